/**
 * Adversarial robustness (docs/method.md §4.5): FGSM and PGD-L∞ against a trained network, with
 * the NIN noise off (eps = 0, as at test time) whatever the run's `evalNoise` says, in eval mode.
 * Browser-safe (no Node imports).
 *
 * The attacked loss is the summed softmax cross-entropy of `net.apply(params, state, x, {train:
 * false})`, so row i of its input gradient is d loss_i / d x_i. Every attack point x' satisfies
 *   |x' - x|_inf <= eps   and   range[0] <= x' <= range[1]   (Dataset.range),
 * with eps on the data's value scale (pixels in [0,1] for Fashion-MNIST):
 *   FGSM   x' = clip_range(x + eps sign(g(x)))                       (Goodfellow et al. 2015)
 *   PGD    x_0 = clip_range(x + U(-eps, eps)), then `steps` times
 *          x_{t+1} = clip_range(clip_{x±eps}(x_t + alpha sign(g(x_t)))), alpha = stepFactor eps / steps
 *          (Madry et al. 2018: random start, 2.5 eps / steps so the walk can cross the ball)
 * FGSM is one PGD step from x with alpha = eps and no random start (the same jitted program).
 *
 * Reported per (attack, eps), over the evaluated samples:
 *   acc_final   accuracy on the attack's final points alone;
 *   acc_at_eps  robust accuracy of this run: correct on x and on every point the attack
 *               evaluated (PGD: the start and every iterate);
 *   acc         robust accuracy in the ball B(eps): also wrong wherever the same attack found an
 *               error at a smaller eps of the grid (those points lie inside B(eps)). This is the
 *               headline: monotone in eps by construction, and an upper bound on the true robust
 *               accuracy that is at least as tight as acc_at_eps.
 * Ownership: functions taking arrays consume them unless they say they borrow.
 */
import { jit, numpy as np, random, tree, valueAndGrad } from "@jax-js/jax";
import { type Dataset, type Split, deviceBatch, range } from "../data/dataset.ts";
import { streamSeed } from "../engine/keys.ts";
import { NinrError } from "../errors.ts";
import type { ModelState, Params } from "../models/model.ts";
import type { Network } from "../models/network.ts";
import { crossEntropySum } from "../train/loss.ts";

/** The attack strengths of docs/method.md §4.5 (L∞ radius on the data's value scale). */
export const ADVERSARIAL_EPS: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.2];
export const ATTACKS = ["fgsm", "pgd"] as const;
export type AttackName = (typeof ATTACKS)[number];
/** PGD defaults: 10 steps of 2.5 eps / 10 (Madry et al. 2018's ratio), random start. */
export const PGD_STEPS = 10;
export const PGD_STEP_FACTOR = 2.5;

export type AdversarialOptions = {
  eps?: readonly number[];
  attacks?: readonly AttackName[];
  /** PGD iterations (default 10). */
  steps?: number;
  /** PGD step size alpha = stepFactor * eps / steps (default 2.5). */
  stepFactor?: number;
  /** PGD starts uniformly inside the ball (default true). */
  randomStart?: boolean;
  /** Seeds the random starts: stream `adversarial/pgd-start/<eps>/<batch>` (src/engine/keys.ts). */
  seed?: number;
  /** Samples per device batch (default 250: the backward pass of a CNN holds its activations). */
  batch?: number;
  /** Called after every batch. */
  onBatch?: (done: number, total: number) => void;
};

export type AdversarialRow = {
  attack: AttackName;
  eps: number;
  /** Gradient steps (FGSM 1). */
  steps: number;
  /** alpha (FGSM: eps). */
  step_size: number;
  random_start: boolean;
  /** Robust accuracy in B(eps) (see the module comment). */
  acc: number;
  acc_at_eps: number;
  acc_final: number;
  /** Mean cross-entropy at the final points. */
  loss: number;
  n: number;
};

export type AdversarialResult = { clean_acc: number; n: number; seed: number; rows: AdversarialRow[] };

/** Per-sample correctness, [B] float32 (1 = argmax is the label). Consumes both. */
function correctEach(logits: np.Array, y: np.Array): np.Array {
  return np.argmax(logits, 1).equal(np.argmax(y, 1)).astype(np.float32);
}

/**
 * The attacked loss at test time: (x, params, state, y one-hot) -> [summed cross-entropy,
 * per-sample correctness at x]. Eval mode, no NIN noise. Consumes all.
 */
export function attackLoss(net: Network) {
  return (x: np.Array, params: Params, state: ModelState, y: np.Array): [np.Array, np.Array] => {
    const { logits, state: s } = net.apply(params, state, x, { train: false, convForm: "backward" });
    tree.dispose(s);
    return [crossEntropySum(logits.ref, y.ref), correctEach(logits, y)];
  };
}

/** Input gradient of the summed test-time cross-entropy, [B, D] (row i = d loss_i / d x_i). Eager; consumes all. */
export function inputGradient(net: Network, params: Params, state: ModelState, x: np.Array, y: np.Array): np.Array {
  const [[loss, correct], g] = valueAndGrad(attackLoss(net), { hasAux: true })(x, params, state, y);
  loss.dispose();
  correct.dispose();
  return g;
}

/**
 * One projected signed-gradient step: clip_range(clip_{x0 ± eps}(x + alpha sign(g(x)))), and the
 * per-sample correctness at x. eps, alpha, lo, hi are scalar arrays (of x's dtype). Consumes all.
 */
export function attackStep(
  net: Network,
  params: Params,
  state: ModelState,
  x: np.Array,
  x0: np.Array,
  y: np.Array,
  eps: np.Array,
  alpha: np.Array,
  lo: np.Array,
  hi: np.Array,
): [np.Array, np.Array] {
  const [[loss, correct], g] = valueAndGrad(attackLoss(net), { hasAux: true })(x.ref, params, state, y);
  loss.dispose();
  const stepped = x.add(np.sign(g).mul(alpha));
  const inBall = np.clip(stepped, x0.ref.sub(eps.ref), x0.add(eps));
  return [np.clip(inBall, lo, hi), correct];
}

export type AttackFns = {
  /** (params, state, x, x0, y, eps, alpha, lo, hi) -> [next x, correct at x]. Jitted `attackStep`; consumes all. */
  step: (params: Params, state: ModelState, x: np.Array, x0: np.Array, y: np.Array, eps: np.Array, alpha: np.Array, lo: np.Array, hi: np.Array) => [np.Array, np.Array];
  /** (params, state, x, y) -> [per-sample correctness [B], summed loss]. Jitted, eval mode, no noise; consumes all. */
  score: (params: Params, state: ModelState, x: np.Array, y: np.Array) => [np.Array, np.Array];
  dispose(): void;
};

export function makeAttackFns(net: Network): AttackFns {
  const step = jit((params: Params, state: ModelState, x: np.Array, x0: np.Array, y: np.Array, eps: np.Array, alpha: np.Array, lo: np.Array, hi: np.Array) =>
    attackStep(net, params, state, x, x0, y, eps, alpha, lo, hi),
  );
  const score = jit((params: Params, state: ModelState, x: np.Array, y: np.Array) => {
    const { logits, state: s } = net.apply(params, state, x, { train: false });
    tree.dispose(s);
    return [correctEach(logits.ref, y.ref), crossEntropySum(logits, y)] as [np.Array, np.Array];
  });
  return {
    step,
    score,
    dispose() {
      step.dispose();
      score.dispose();
    },
  };
}

/** A scalar array of x's dtype. */
const scalarOf = (v: number, like: np.Array) => np.full([], v, { dtype: like.dtype });

/**
 * Run one attack on one batch. Borrows params, state, x0, y.
 * @returns the final points [B, D] (caller owns) and `found`: 1 where some evaluated point
 * (before the final one) was misclassified.
 */
export async function attackBatch(
  fns: AttackFns,
  params: Params,
  state: ModelState,
  x0: np.Array,
  y: np.Array,
  attack: AttackName,
  eps: number,
  info: Pick<Dataset, "range">,
  opts: { steps?: number; stepFactor?: number; randomStart?: boolean; startKey?: np.Array } = {},
): Promise<{ x: np.Array; found: Uint8Array }> {
  const [lo, hi] = info.range;
  const B = x0.shape[0];
  const found = new Uint8Array(B);
  const steps = attack === "fgsm" ? 1 : (opts.steps ?? PGD_STEPS);
  const alpha = attack === "fgsm" ? eps : ((opts.stepFactor ?? PGD_STEP_FACTOR) * eps) / steps;
  let x: np.Array;
  if (attack === "pgd" && (opts.randomStart ?? true)) {
    if (!opts.startKey) throw new NinrError("PGD with a random start needs a key");
    const u = random.uniform(opts.startKey, x0.shape, { minval: -eps, maxval: eps }).astype(x0.dtype);
    x = np.clip(x0.ref.add(u), lo, hi);
  } else {
    opts.startKey?.dispose();
    x = x0.ref;
  }
  for (let t = 0; t < steps; t++) {
    const [next, correct] = fns.step(tree.ref(params), tree.ref(state), x, x0.ref, y.ref, scalarOf(eps, x0), scalarOf(alpha, x0), scalarOf(lo, x0), scalarOf(hi, x0));
    x = next;
    // FGSM's only evaluated point before its final one is x itself (the clean input): not an attack point.
    const c = (await correct.data()) as Float32Array;
    if (attack === "pgd") for (let i = 0; i < B; i++) if (c[i] < 0.5) found[i] = 1;
  }
  return { x, found };
}

export function checkAdversarialOptions(info: Pick<Dataset, "range">, opts: AdversarialOptions): void {
  const width = info.range[1] - info.range[0];
  for (const e of opts.eps ?? ADVERSARIAL_EPS) if (!(Number.isFinite(e) && e > 0 && e <= width)) throw new NinrError(`attack strength eps must be in (0, ${width}] (the data range [${info.range}]), got ${e}`);
  for (const a of opts.attacks ?? ATTACKS) if (!(ATTACKS as readonly string[]).includes(a)) throw new NinrError(`unknown attack '${a}'; allowed: ${ATTACKS.join(", ")}`);
  const steps = opts.steps ?? PGD_STEPS;
  if (!(Number.isInteger(steps) && steps >= 1)) throw new NinrError(`PGD steps must be an integer >= 1, got ${steps}`);
  const f = opts.stepFactor ?? PGD_STEP_FACTOR;
  if (!(Number.isFinite(f) && f > 0)) throw new NinrError(`PGD step factor must be > 0, got ${f}`);
  const b = opts.batch ?? 250;
  if (!(Number.isInteger(b) && b >= 1)) throw new NinrError(`attack batch must be an integer >= 1, got ${b}`);
}

/**
 * Accuracy of a network under FGSM and PGD-L∞ at every eps, in batches, noise off. Borrows
 * params and state. Rows are in the order attacks x ascending eps.
 */
export async function evaluateAdversarial(
  net: Network,
  params: Params,
  state: ModelState,
  info: Pick<Dataset, "inputShape" | "classes" | "range">,
  split: Split,
  opts: AdversarialOptions = {},
): Promise<AdversarialResult> {
  checkAdversarialOptions(info, opts);
  if (split.n < 1) throw new NinrError("adversarial evaluation needs at least one test sample");
  const epsGrid = [...new Set(opts.eps ?? ADVERSARIAL_EPS)].sort((a, b) => a - b);
  const attacks = [...new Set(opts.attacks ?? ATTACKS)];
  const steps = opts.steps ?? PGD_STEPS;
  const stepFactor = opts.stepFactor ?? PGD_STEP_FACTOR;
  const randomStart = opts.randomStart ?? true;
  const seed = opts.seed ?? 0;
  const batch = opts.batch ?? 250;
  const n = split.n;
  const nBatches = Math.ceil(n / batch);
  const fns = makeAttackFns(net);
  // Per (attack, eps): counts of acc, acc_at_eps, acc_final, and the summed loss.
  const tally = attacks.map(() => epsGrid.map(() => ({ acc: 0, atEps: 0, final: 0, loss: 0 })));
  let clean = 0;
  try {
    for (let b = 0; b < nBatches; b++) {
      const { x: x0, y } = deviceBatch(info, split, range(b * batch, Math.min(n, (b + 1) * batch)));
      const B = x0.shape[0];
      const [c0, l0] = fns.score(tree.ref(params), tree.ref(state), x0.ref, y.ref);
      l0.dispose();
      const cleanOk = (await c0.data()) as Float32Array;
      for (let i = 0; i < B; i++) clean += cleanOk[i] > 0.5 ? 1 : 0;
      for (const [a, attack] of attacks.entries()) {
        const alive = Uint8Array.from(cleanOk, (v) => (v > 0.5 ? 1 : 0)); // not yet broken in B(eps)
        for (const [e, eps] of epsGrid.entries()) {
          const startKey = attack === "pgd" && randomStart ? random.key(streamSeed(seed, `adversarial/pgd-start/${eps}/${b}`)) : undefined;
          const { x, found } = await attackBatch(fns, params, state, x0, y, attack, eps, info, { steps, stepFactor, randomStart, startKey });
          const [cf, lf] = fns.score(tree.ref(params), tree.ref(state), x, y.ref);
          const ok = (await cf.data()) as Float32Array;
          const t = tally[a][e];
          t.loss += (await lf.data())[0] as number;
          for (let i = 0; i < B; i++) {
            const fin = ok[i] > 0.5;
            const here = fin && !found[i] && cleanOk[i] > 0.5;
            if (!here) alive[i] = 0;
            t.final += fin ? 1 : 0;
            t.atEps += here ? 1 : 0;
            t.acc += alive[i];
          }
        }
      }
      x0.dispose();
      y.dispose();
      opts.onBatch?.(b + 1, nBatches);
    }
  } finally {
    fns.dispose();
  }
  const rows: AdversarialRow[] = [];
  for (const [a, attack] of attacks.entries())
    for (const [e, eps] of epsGrid.entries()) {
      const t = tally[a][e];
      const pgd = attack === "pgd";
      rows.push({
        attack,
        eps,
        steps: pgd ? steps : 1,
        step_size: pgd ? (stepFactor * eps) / steps : eps,
        random_start: pgd && randomStart,
        acc: t.acc / n,
        acc_at_eps: t.atEps / n,
        acc_final: t.final / n,
        loss: t.loss / n,
        n,
      });
    }
  return { clean_acc: clean / n, n, seed, rows };
}
