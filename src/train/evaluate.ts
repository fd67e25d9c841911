/**
 * Batched evaluation of a network on a host-side split (images [n,784] in [0,1], labels).
 */
import { numpy as np, random, tree } from "@jax-js/jax";
import type { Params } from "../models/network.ts";
import type { StepFns } from "./step.ts";

export type EvalResult = { loss: number; acc: number; n: number };

/** One-hot float32 [n, 10] from integer labels. */
export function oneHotHost(labels: Uint8Array, start = 0, end = labels.length): Float32Array {
  const out = new Float32Array((end - start) * 10);
  for (let i = start; i < end; i++) out[(i - start) * 10 + labels[i]] = 1;
  return out;
}

/**
 * Mean loss and accuracy over the whole split. Does NOT consume `params`.
 * @param images [n*784] row-major; @param labels [n]
 * @param seed only used when the config evaluates with noise on
 */
export async function evaluate(fns: StepFns, params: Params, images: Float32Array, labels: Uint8Array, opts: { batch?: number; seed?: number } = {}): Promise<EvalResult> {
  const n = labels.length;
  const batch = opts.batch ?? 500; // CNN activations at 1000 images take over 1 GB of Wasm memory
  const nBatches = Math.ceil(n / batch);
  const keys = random.split(random.key(opts.seed ?? 0), nBatches);
  let loss = 0;
  let correct = 0;
  for (let b = 0; b < nBatches; b++) {
    const lo = b * batch;
    const hi = Math.min(n, lo + batch);
    const x = np.array(images.slice(lo * 784, hi * 784)).reshape([hi - lo, 784]);
    const y = np.array(oneHotHost(labels, lo, hi)).reshape([hi - lo, 10]);
    const [l, c] = fns.evalBatch(tree.ref(params), x, y, keys.ref.slice(b));
    // Read back before dispatching the next batch: a dispatched-but-unread jax-js program keeps
    // its intermediates allocated, and 20 queued CNN batches overflow the 4 GiB Wasm memory.
    loss += (await l.data())[0] as number;
    correct += (await c.data())[0] as number;
  }
  keys.dispose();
  return { loss: loss / n, acc: correct / n, n };
}
