/**
 * The curvature numbers of docs/method.md §2 ("Which curvature"), measured on real batches with fresh NIN
 * noise:
 *
 *   lambda_noise  top eigenvalue of the noise-mode Gauss–Newton matrix
 *                 sigma^2 E_x[Js^T H_out Js] (all parameters, NINs summed; src/dynamics/hvp.ts).
 *                 The stability number is k = eta * lambda_noise: the one used for prediction.
 *   lambda_max    top eigenvalue of the full-parameter Hessian of the noisy training loss (the
 *                 same batch and the same eps): an upper bound once the noise mode dominates,
 *                 and the data modes' own curvature at small sigma.
 *   lambda_niw    top eigenvalue of the NIW block H_theta of that Hessian (a lower bound of
 *                 lambda_max by interlacing; about lambda_noise / 2 in the linear toy model,
 *                 which is why NIW-only thresholds come out near 1 and 2: wrong units).
 *
 * Each is a Lanczos (or power) estimate per batch, averaged over `batches` batches (default 3
 * of 256), each with fresh eps. The noise mode is evaluated at the sampled eps by default (see
 * `NoiseModeAt` in hvp.ts; "zero" gives the leading-order sigma^2-exact formula).
 *
 * Measured on the default MLP at init (in-NINR, eta 0.01, batch 256, one batch):
 *   sigma      1        10      30      100     300
 *   k          4.9e-5   3.6e-3  0.038   0.69    7.6
 *   lambda_max 1.21     1.24    4.40    69.7    767     (-> lambda_noise: the noise dominates)
 *   lambda_niw / lambda_noise about 0.45-0.56 throughout (docs/method.md §2.3: "about half").
 * Cost per batch (bench/curvature.ts and `ninr bench` W3, batch 256, gradient-equivalents,
 * 2026-11-29): lambda_noise alone about 36 (12 Lanczos steps; 28 with iters 10, tol 1e-2);
 * lambda_niw alone 16-17 (11 steps of the NIW-block product; 34 when it masked the
 * full-parameter product; 4.5-4.8 since 2026-12-07 on the MLP and CNN, from the stored per-sample
 * NIW Jacobian, exact there: niwJacobian.ts); all three together about 126 (130-175 before the NIW-block product
 * and the single-pass reorthogonalisation in lanczos.ts). Reuse a meter (makeCurvatureMeter)
 * for repeated k(t) checks: from its second measure() call lambda_noise runs as compiled
 * Lanczos chunks (chunkedTop.ts: no eager set-up, one host read per chunk), and every estimate
 * starts warm from the previous call's eigenvector (warmStart.ts): lambda_noise about 44 -> 34
 * (chunks) -> 32 gradient-equivalents (warm: 7-9 steps instead of 11-14) in a busy-machine run
 * of bench/curvatureRepeat.ts (bench/README.md).
 *
 * The FD Hessian option is a cross-check for small or smooth models only: on the 670k-parameter
 * ReLU MLP the central difference crosses ReLU kinks at any usable step, and Lanczos locks on
 * to them (lambda_max 60-110 against the exact 1.3), besides costing 60-80 gradients a matvec
 * in float64. On 784-8-10 it agrees with the exact Hessian to 1% (tested).
 * Dropout and CDT input noise are NOT part of the measured loss: the curvature is that of the
 * NIN-noisy cross-entropy. k = lr * lambda_noise assumes plain SGD (momentum moves the
 * thresholds; the default is momentum 0, docs/method.md §7.1).
 *
 * Two layers: `measureCurvature(cfg, info, params, state, split)` for real runs (any dataset
 * and registered model, the run's NIN placement and noise), over the generic
 * `makeCurvatureMeter(model)` that takes any `CurvatureModel` (a Network and an output loss)
 * and device batches, so tests can use tiny nets. Params and state are BORROWED (never
 * consumed) everywhere here. No I/O, no logging; time is read through `clock` (for the
 * `seconds` and cost fields only).
 */
import { numpy as np, random, tree } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import { type Dataset, type Split, deviceBatch } from "../data/dataset.ts";
import { NinrError } from "../errors.ts";
import { mean, median } from "../stats.ts";
import { type BatchCurvature, type CurvatureOptions, type CurvatureResult, resolveCurvatureOptions as resolve } from "./curvatureOptions.ts";
import { HostRng } from "../engine/hostRng.ts";
import { splitN } from "../engine/keys.ts";
import { type EigenResult, lanczosTop, powerTop } from "../engine/lanczos.ts";
import { treeMask, treeRavel, treeUnravel } from "../engine/treeMath.ts";
import { makeChunkedTop } from "./chunkedTop.ts";
import { tracedNoiseGn } from "./noiseGnTraced.ts";
import { makeNiwJacobianFns, niwJacobianApplies, niwJacobianOperator } from "./niwJacobian.ts";
import { type WarmStarts, warmStart } from "./warmStart.ts";
import type { ModelState, Params } from "../models/model.ts";
import { type Network, buildNetwork } from "../models/network.ts";
import { isNiw } from "../nin/sites.ts";
import {
  type CurvatureModel,
  type HvpFns,
  type NoisyBatch,
  hessianOperator,
  makeHvpFns,
  noiseGnOperator,
  noisyLoss,
} from "./hvp.ts";

export type { BatchCurvature, CurvatureOptions, CurvatureResult };

/** The curvature model of a run config on data of shape `info`: its network; softmax CE. */
export function curvatureModelFor(cfg: RunConfig, info: Pick<Dataset, "inputShape" | "classes">): CurvatureModel {
  return { net: buildNetwork(cfg, info), loss: "softmax-ce" };
}

/** Fresh eps for every NIN site of the network, in `dtype` (the same draws as training's `drawEps`). Consumes key. */
export function drawNoise(model: CurvatureModel, key: np.Array, batch: number, dtype: np.DType = np.float32): np.Array[] {
  const eps = model.net.drawEps(key, batch);
  return model.net.sites.map((s) => {
    const e = eps.get(s.name)!;
    return e.dtype === dtype ? e : e.astype(dtype);
  });
}

async function meanSquare(a: np.Array): Promise<number> {
  return (await np.square(a).mean().data())[0] as number;
}

/** Mean over batches; null when any batch has no value (a number not requested). */
function meanOrNull(xs: (number | null)[]): number | null {
  return xs.length === 0 || xs.some((x) => x === null) ? null : mean(xs as number[]);
}

type Which = "noise" | "hessian" | "niw";

export type CurvatureMeter = {
  /** The three numbers on one noisy batch. Borrows params and batch; consumes key. */
  batch(params: Params, batch: NoisyBatch, key: np.Array): Promise<BatchCurvature>;
  /**
   * Average over data batches, each with fresh noise drawn from `seed`. Borrows params, state and data.
   * @param lr learning rate for k (omit: k is null)
   * @param noise draw the NIN noise from this network instead of the meter's: the same
   *   architecture and sites at another sigma (kOfSigma.ts). The products do not depend on
   *   sigma except through eps when the noise mode is evaluated at the sampled eps, so one
   *   meter (and its compiled programs) serves every sigma; refused for `at: "zero"`.
   */
  measure(params: Params, state: ModelState, data: { x: np.Array; y: np.Array }[], opts?: { lr?: number; seed?: number; noise?: Network }): Promise<CurvatureResult>;
  /** Median of 3 warm jitted gradients at this batch (ms). Borrows params and batch. */
  gradMs(params: Params, batch: NoisyBatch): Promise<number>;
  dispose(): void;
};

/**
 * A reusable meter for one model (the jitted gradient and FD products compile once per batch
 * shape, so k(t) tracking during training pays compilation once). A meter keeps state between
 * measure() calls: the last eigenvectors (warm starts, unless opts.warmStart is false) and step
 * counts (the length of the first compiled chunk). The same sequence of calls gives the same numbers.
 */
export function makeCurvatureMeter(model: CurvatureModel, opts: CurvatureOptions = {}): CurvatureMeter {
  const o = resolve(opts);
  const clock = opts.clock ?? (() => performance.now());
  const loss = noisyLoss(model);
  const fns: HvpFns<NoisyBatch> = makeHvpFns(loss, { fdStep: o.fdStep });
  const chunkedNoise = model.net.sites.length ? makeChunkedTop(tracedNoiseGn(model, o.at)) : null;
  const niwJac = o.niwJacobian ? makeNiwJacobianFns(model) : null; // used where niwJacobianApplies
  // Warm starts: the eigenvectors of the previous measure() call's last batch (see warmStart.ts).
  const warm: WarmStarts = new Map();
  let pending: WarmStarts = new Map();
  let measured = 0;
  /** The step count of each number's last estimate: sizes the first compiled chunk. */
  const lastSteps = new Map<string, number>();
  const top = async (which: Which, op: { apply(v: Params): Params }, like: Params, key: np.Array, mask?: (n: string) => boolean): Promise<EigenResult> => {
    const prev = o.warmStart ? warm.get(which) : undefined;
    if (prev) key = key.ref; // warmStart consumes one reference, lanczosTop the other
    const start = prev ? warmStart(prev, like, key, mask) : undefined;
    const r = await (o.method === "lanczos" ? lanczosTop : powerTop)(op, like, key, { iters: o.iters, tol: o.tol, mask, start, returnVector: o.warmStart });
    keep(which, r);
    return r;
  };
  const keep = (which: Which, r: EigenResult) => {
    lastSteps.set(which, r.matvecs);
    if (r.vector) {
      if (pending.has(which)) tree.dispose(pending.get(which)!);
      pending.set(which, r.vector);
      delete r.vector;
    }
  };
  /**
   * lambda_noise from compiled chunks (chunkedTop.ts): from a meter's second measure() call on,
   * so that a meter used once (measureCurvature) compiles nothing it does not need; float32
   * Lanczos only (jax-js 0.1.25 and float64 second-order jit, see hvp.ts).
   */
  const noiseChunked = (params: Params) => chunkedNoise !== null && (measured > 0 || o.compiled) && o.method === "lanczos" && Object.values(params).every((a) => a.dtype === np.float32);
  async function noiseTopChunked(params: Params, b: NoisyBatch, key: np.Array): Promise<EigenResult> {
    const q = treeRavel(warmStart(o.warmStart ? warm.get("noise") : undefined, params, key));
    const q0 = q.ref.div(np.sqrt(np.square(q).sum()));
    const last = lastSteps.get("noise");
    const r = await chunkedNoise!.top(params, b, q0, { iters: o.iters, tol: o.tol, first: last ? last + 1 : o.iters, returnVector: o.warmStart });
    const out: EigenResult = { value: r.value, matvecs: r.matvecs, converged: r.converged, residual: r.residual, ritz: r.ritz, vector: r.raveled ? treeUnravel(r.raveled, params) : undefined };
    keep("noise", out);
    return out;
  }

  async function batch(params: Params, b: NoisyBatch, key: np.Array): Promise<BatchCurvature> {
    const t0 = clock();
    const [kNoise, kHess, kNiw] = splitN(key, 3);
    const out: BatchCurvature = {
      lambda_noise: null,
      lambda_max: null,
      lambda_niw: null,
      eps_m2: [],
      matvecs: { noise: 0, hessian: 0, niw: 0 },
      converged: { noise: true, hessian: true, niw: true },
      seconds: 0,
    };
    for (const e of b.eps) out.eps_m2.push(await meanSquare(e.ref));
    /** Keep an estimate's bookkeeping; returns its eigenvalue. */
    const record = (which: "noise" | "hessian" | "niw", r: EigenResult) => {
      out.matvecs[which] = r.matvecs;
      out.converged[which] = r.converged;
      return r.value;
    };
    if (o.which.noise) {
      if (model.net.sites.length === 0) out.lambda_noise = 0;
      else {
        if (noiseChunked(params)) out.lambda_noise = record("noise", await noiseTopChunked(params, b, kNoise.ref));
        else {
          const op = noiseGnOperator(model, params, b, { at: o.at });
          try {
            out.lambda_noise = record("noise", await top("noise", op, params, kNoise.ref));
          } finally {
            op.dispose();
          }
        }
      }
    }
    kNoise.dispose();
    const niw = o.which.niw && Object.keys(params).some(isNiw);
    if (o.which.hessian || (niw && o.hvp !== "exact")) {
      const op = hessianOperator(loss, params, b, { method: o.hvp, fns });
      try {
        if (o.which.hessian) out.lambda_max = record("hessian", await top("hessian", op, params, kHess.ref));
        // Other product methods: the full product masked, P H P with P the projection onto theta.
        if (niw && o.hvp !== "exact") out.lambda_niw = record("niw", await top("niw", { apply: (v: Params) => treeMask(op.apply(treeMask(v, isNiw)), isNiw) }, params, kNiw.ref, isNiw));
      } finally {
        op.dispose();
      }
    }
    if (niw && o.hvp === "exact") {
      if (niwJac && niwJacobianApplies(model, params, b.x.shape[0])) {
        // Piecewise-linear models: H_theta = sum_b J_b^T H_out J_b exactly, from the Jacobian
        // stored once per batch (niwJacobian.ts): about 2 gradients for the whole estimate.
        const op = niwJacobianOperator(model, niwJac, params, b);
        try {
          out.lambda_niw = record("niw", await top("niw", op, niwTree(params), kNiw.ref));
        } finally {
          op.dispose();
        }
      } else {
        // The NIW block H_theta from products on the theta sub-tree alone (fns.hvp with a sub-tree
        // v: no weight gradients, Lanczos vectors of |theta| floats): about 1.5 gradients a product
        // instead of 2.5, and a tiny reorthogonalisation (bench/README.md, W3).
        out.lambda_niw = record("niw", await top("niw", niwBlockOperator(fns, params, b), niwTree(params), kNiw.ref));
      }
    }
    kHess.dispose();
    kNiw.dispose();
    out.seconds = (clock() - t0) / 1000;
    return out;
  }

  async function gradMs(params: Params, b: NoisyBatch): Promise<number> {
    const run = async () => {
      const t = clock();
      const g = fns.grad(tree.ref(params), tree.ref(b));
      for (const a of Object.values(g)) await a.blockUntilReady();
      tree.dispose(g);
      return clock() - t;
    };
    await run(); // compile
    return median([await run(), await run(), await run()]);
  }

  async function measure(params: Params, state: ModelState, data: { x: np.Array; y: np.Array }[], mo: { lr?: number; seed?: number; noise?: Network } = {}): Promise<CurvatureResult> {
    if (data.length === 0) throw new NinrError("curvature: no batches to measure on");
    if (mo.noise && o.at === "zero") throw new Error("curvature meter: another network's noise needs the sampled noise mode (at eps = 0 the products depend on sigma itself)");
    if (mo.noise && mo.noise.sites.map((s) => s.name).join() !== model.net.sites.map((s) => s.name).join()) throw new Error("curvature meter: the noise network's NIN sites differ from the meter's");
    const noiseModel = mo.noise ? { ...model, net: mo.noise } : model;
    const t0 = clock();
    let gradTime = 0;
    let grad_ms: number | null = null;
    const keys = splitN(random.key(mo.seed ?? o.seed), data.length);
    const per: BatchCurvature[] = [];
    for (let i = 0; i < data.length; i++) {
      const [epsKey, solveKey] = splitN(keys[i], 2);
      const B = data[i].x.shape[0];
      const nb: NoisyBatch = { x: data[i].x.ref, y: data[i].y.ref, eps: drawNoise(noiseModel, epsKey, B, data[i].x.dtype), state: tree.ref(state) };
      try {
        per.push(await batch(params, nb, solveKey));
        if (i === 0 && o.timeGradient) {
          const tg = clock();
          grad_ms = await gradMs(params, nb);
          gradTime = clock() - tg;
        }
      } finally {
        tree.dispose(nb);
      }
    }
    // This call's last eigenvectors are the next call's warm starts.
    for (const v of warm.values()) tree.dispose(v);
    warm.clear();
    for (const [k, v] of pending) warm.set(k, v);
    pending = new Map();
    measured++;
    const seconds = (clock() - t0 - gradTime) / 1000;
    const lambda_noise = meanOrNull(per.map((p) => p.lambda_noise));
    return {
      lambda_noise,
      lambda_max: meanOrNull(per.map((p) => p.lambda_max)),
      lambda_niw: meanOrNull(per.map((p) => p.lambda_niw)),
      k: mo.lr !== undefined && lambda_noise !== null ? mo.lr * lambda_noise : null,
      per_batch: per,
      seconds,
      grad_ms,
      grad_equivalents: grad_ms ? (seconds * 1000) / grad_ms : null,
      grad_equivalents_per_batch: grad_ms ? (median(per.map((p) => p.seconds)) * 1000) / grad_ms : null,
      options: o,
    };
  }

  const dispose = () => {
    fns.dispose();
    chunkedNoise?.dispose();
    niwJac?.dispose();
    for (const v of [...warm.values(), ...pending.values()]) tree.dispose(v);
    warm.clear();
    pending.clear();
  };
  return { batch, measure, gradMs, dispose };
}

/** The NIW parameters of `params` (borrowed: the arrays themselves, not references). */
function niwTree(params: Params): Params {
  return Object.fromEntries(Object.entries(params).filter(([k]) => isNiw(k)));
}

/** v -> H_theta v on the NIW sub-tree, exact (makeHvpFns' hvp with a sub-tree v). Borrows params and batch. */
function niwBlockOperator(fns: HvpFns<NoisyBatch>, params: Params, b: NoisyBatch): { apply(v: Params): Params } {
  return { apply: (v: Params) => fns.hvp(tree.ref(params), tree.ref(b), v) };
}

/** The generic measurement: a meter for `model`, one `measure`, disposed. Borrows params, state and data. */
export async function measureCurvatureModel(
  model: CurvatureModel,
  params: Params,
  state: ModelState,
  data: { x: np.Array; y: np.Array }[],
  opts: CurvatureOptions & { lr?: number } = {},
): Promise<CurvatureResult> {
  const meter = makeCurvatureMeter(model, opts);
  try {
    return await meter.measure(params, state, data, { lr: opts.lr });
  } finally {
    meter.dispose();
  }
}

/**
 * The curvature (docs/method.md §2) of a run's network at `params`, on `batches` batches of
 * `batchSize` samples drawn (without replacement where the data allow) from `split` with
 * HostRng(seed), each with fresh NIN noise at cfg.sigma; k = cfg.lr * lambda_noise.
 * Borrows params and state.
 */
export async function measureCurvature(
  cfg: RunConfig,
  info: Pick<Dataset, "inputShape" | "classes">,
  params: Params,
  state: ModelState,
  split: Split,
  opts: CurvatureOptions = {},
): Promise<CurvatureResult> {
  const o = resolve(opts);
  const data = curvatureBatches(info, split, o.batches, o.batchSize, o.seed);
  try {
    return await measureCurvatureModel(curvatureModelFor(cfg, info), params, state, data, { ...opts, lr: cfg.lr });
  } finally {
    disposeBatches(data);
  }
}

/** `batches` device batches of `batchSize` images of `split`, drawn without replacement (where the split allows) by HostRng(seed). */
export function curvatureBatches(info: Pick<Dataset, "inputShape" | "classes">, split: Split, batches: number, batchSize: number, seed: number): { x: np.Array; y: np.Array }[] {
  const n = split.n;
  if (n < batchSize) throw new NinrError(`curvature: batch size ${batchSize} is larger than the ${n} images given; pass batchSize <= ${n}`);
  const rng = new HostRng(seed);
  let perm = rng.permutation(n);
  let used = 0;
  const data: { x: np.Array; y: np.Array }[] = [];
  for (let i = 0; i < batches; i++) {
    if (used + batchSize > n) {
      perm = rng.permutation(n);
      used = 0;
    }
    data.push(deviceBatch(info, split, perm.subarray(used, used + batchSize)));
    used += batchSize;
  }
  return data;
}

export function disposeBatches(data: { x: np.Array; y: np.Array }[]): void {
  for (const d of data) {
    d.x.dispose();
    d.y.dispose();
  }
}
