/**
 * Batched evaluation of a network on a host-side split, through the one batcher.
 */
import { random, tree } from "@jax-js/jax";
import { type Dataset, type Split, deviceBatch, range } from "../data/dataset.ts";
import type { ModelState, Params } from "../models/model.ts";
import type { StepFns } from "./step.ts";

export type EvalResult = { loss: number; acc: number; n: number };

/**
 * Mean loss and accuracy over the whole split, in eval mode. Does NOT consume params or state.
 * @param seed only used when the config evaluates with noise on
 */
export async function evaluate(
  fns: StepFns,
  params: Params,
  state: ModelState,
  info: Pick<Dataset, "inputShape" | "classes">,
  split: Split,
  opts: { batch?: number; seed?: number } = {},
): Promise<EvalResult> {
  const n = split.n;
  const batch = opts.batch ?? 500; // CNN activations at 1000 images take over 1 GB of Wasm memory
  const nBatches = Math.ceil(n / batch);
  const keys = random.split(random.key(opts.seed ?? 0), nBatches);
  let loss = 0;
  let correct = 0;
  for (let b = 0; b < nBatches; b++) {
    const { x, y } = deviceBatch(info, split, range(b * batch, Math.min(n, (b + 1) * batch)));
    const [l, c] = fns.evalBatch(tree.ref(params), tree.ref(state), x, y, keys.ref.slice(b));
    // Read back before dispatching the next batch: a dispatched-but-unread jax-js program keeps
    // its intermediates allocated, and 20 queued CNN batches overflow the 4 GiB Wasm memory.
    loss += (await l.data())[0] as number;
    correct += (await c.data())[0] as number;
  }
  keys.dispose();
  return { loss: loss / n, acc: correct / n, n };
}
