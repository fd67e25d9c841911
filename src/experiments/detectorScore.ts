/**
 * Classifier scores of a trained network on a split (browser-safe, device): the logit difference
 * logit(prompt) - logit(fragmentation), in eval mode (BatchNorm running statistics, no NIN noise,
 * no dropout), batch by batch.
 */
import type { numpy as np } from "@jax-js/jax";
import { tree } from "@jax-js/jax";
import { type Dataset, type Split, deviceBatch, range } from "../data/dataset.ts";
import type { ModelState, Params } from "../models/model.ts";
import type { Network } from "../models/network.ts";

export async function scoreSplit(net: Network, params: Params, state: ModelState, ds: Pick<Dataset, "inputShape" | "classes">, split: Split, batch = 250): Promise<Float32Array> {
  const out = new Float32Array(split.n);
  for (let lo = 0; lo < split.n; lo += batch) {
    const hi = Math.min(split.n, lo + batch);
    const { x, y } = deviceBatch(ds, split, range(lo, hi));
    y.dispose();
    const { logits, state: s2 } = net.apply(tree.ref(params), tree.ref(state), x, { train: false });
    tree.dispose(s2);
    const l = (await (logits as np.Array).data()) as Float32Array;
    for (let i = 0; i < hi - lo; i++) out[lo + i] = l[i * 2 + 1] - l[i * 2];
  }
  return out;
}
