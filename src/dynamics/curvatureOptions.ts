/**
 * Options and result types of the curvature measurements (src/dynamics/curvature.ts): what to
 * compute, with which eigensolver and products, on how many batches; validated in one place.
 */
import { NinrError } from "../errors.ts";
import type { HvpMethod, NoiseModeAt } from "./hvp.ts";

export type CurvatureOptions = {
  /** Eigensolver (default "lanczos"; "power" for cross-checks). */
  method?: "lanczos" | "power";
  /**
   * Hessian products for lambda_max and lambda_niw (hvp.ts, HvpMethod): "exact" (jitted
   * reverse-over-forward, default), "linearize" (exact, about 30% cheaper per estimate, leaks a
   * little device memory per batch in jax-js 0.1.25), or "fd" (central differences).
   */
  hvp?: HvpMethod;
  /** Matvecs per eigenvalue at most (default 20 for Lanczos, 100 for power). */
  iters?: number;
  /** Relative tolerance of each eigenvalue (default 1e-3). */
  tol?: number;
  /** Batches to average over, each with fresh noise (default 3). */
  batches?: number;
  /** Images per batch (default 256; the spec: batch size barely matters). */
  batchSize?: number;
  /** Seed for the batch choice, the noise and the start vectors (default 0). */
  seed?: number;
  /** Where the noise mode is evaluated (default "sampled"; see hvp.ts). */
  at?: NoiseModeAt;
  /** FD step along the unit direction (default 1e-5; FD runs in float64, see makeHvpFns). */
  fdStep?: number;
  /** Which numbers to compute (default all; skipping the Hessian ones makes k(t) tracking cheap). */
  which?: { noise?: boolean; hessian?: boolean; niw?: boolean };
  /** Time one jitted gradient at the same batch, for the cost in gradient-equivalents (default true). */
  timeGradient?: boolean;
  /**
   * A meter's repeated measure() calls (k(t) traces) start each Lanczos from the previous call's
   * eigenvector plus a random part (src/dynamics/warmStart.ts; default true). The first call, and
   * every one-off measureCurvature, start from random vectors as before.
   */
  warmStart?: boolean;
  /**
   * lambda_noise from the compiled Lanczos chunks (chunkedTop.ts) from a meter's first
   * measure() call (default false: from its second, so a meter used once compiles nothing).
   * Worth it whenever a meter is reused on deep nets: on ResNet-18 (width 4, batch 32, 4 steps)
   * the eager set-up costs 179 s against 38 s for the compiled chunk's first call and 6 s after.
   */
  compiled?: boolean;
  /**
   * lambda_niw from the stored per-sample NIW Jacobian where that is exact (piecewise-linear
   * models without batch statistics: the MLP and the CNN; src/dynamics/niwJacobian.ts) instead
   * of Lanczos on reverse-over-forward HVPs (default true; "exact" products only). Same matrix,
   * so the same eigenvalue within Lanczos's tolerance, at a fraction of the cost.
   */
  niwJacobian?: boolean;
  /** Milliseconds, for the timing fields (default performance.now). */
  clock?: () => number;
};

export type Resolved = Required<Omit<CurvatureOptions, "which" | "iters" | "clock">> & { iters: number; which: { noise: boolean; hessian: boolean; niw: boolean } };

export function resolveCurvatureOptions(opts: CurvatureOptions): Resolved {
  const method = opts.method ?? "lanczos";
  if (method !== "lanczos" && method !== "power") throw new NinrError(`curvature: method must be lanczos|power, got ${JSON.stringify(method)}`);
  const hvp = opts.hvp ?? "exact";
  if (hvp !== "exact" && hvp !== "linearize" && hvp !== "fd") throw new NinrError(`curvature: hvp must be exact|linearize|fd, got ${JSON.stringify(hvp)}`);
  const at = opts.at ?? "sampled";
  if (at !== "sampled" && at !== "zero") throw new NinrError(`curvature: at must be sampled|zero, got ${JSON.stringify(at)}`);
  const r: Resolved = {
    method,
    hvp,
    at,
    iters: opts.iters ?? (method === "lanczos" ? 20 : 100),
    tol: opts.tol ?? 1e-3,
    batches: opts.batches ?? 3,
    batchSize: opts.batchSize ?? 256,
    seed: opts.seed ?? 0,
    fdStep: opts.fdStep ?? 1e-5,
    which: { noise: opts.which?.noise ?? true, hessian: opts.which?.hessian ?? true, niw: opts.which?.niw ?? true },
    timeGradient: opts.timeGradient ?? true,
    warmStart: opts.warmStart ?? true,
    compiled: opts.compiled ?? false,
    niwJacobian: opts.niwJacobian ?? true,
  };
  const posInt = (v: number, k: string) => {
    if (!Number.isInteger(v) || v < 1) throw new NinrError(`curvature: ${k} must be a positive integer, got ${v}`);
  };
  posInt(r.iters, "iters");
  posInt(r.batches, "batches");
  posInt(r.batchSize, "batchSize");
  if (!(r.tol > 0)) throw new NinrError(`curvature: tol must be > 0, got ${r.tol}`);
  if (!(r.fdStep > 0)) throw new NinrError(`curvature: fdStep must be > 0, got ${r.fdStep}`);
  if (!Number.isInteger(r.seed) || r.seed < 0) throw new NinrError(`curvature: seed must be an integer >= 0, got ${r.seed}`);
  return r;
}

/** One batch's numbers (null: not requested, or no NIWs for lambda_niw). */
export type BatchCurvature = {
  lambda_noise: number | null;
  lambda_max: number | null;
  lambda_niw: number | null;
  /** mean eps^2 per NIN site for this batch (E = sigma^2). */
  eps_m2: number[];
  matvecs: { noise: number; hessian: number; niw: number };
  converged: { noise: boolean; hessian: boolean; niw: boolean };
  seconds: number;
};

export type CurvatureResult = {
  /** Means over batches. */
  lambda_noise: number | null;
  lambda_max: number | null;
  lambda_niw: number | null;
  /** eta * lambda_noise (null without a learning rate or without lambda_noise). */
  k: number | null;
  per_batch: BatchCurvature[];
  /** Wall time of the whole measurement, jit compilation included, gradient timing excluded. */
  seconds: number;
  /** One jitted gradient of the same loss at the same batch size (median of 3, warm). */
  grad_ms: number | null;
  /** seconds / grad time: the cost of the whole measurement in gradients. */
  grad_equivalents: number | null;
  /** Median per-batch seconds / grad time: the cost of one estimate of all requested numbers. */
  grad_equivalents_per_batch: number | null;
  options: Resolved;
};

