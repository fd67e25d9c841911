/**
 * Top eigenvalue by Lanczos where the matvecs and the reorthogonalisation of several steps run
 * as ONE compiled program (a "chunk"), so that whatever the operator recomputes per call (for a
 * Hessian block: the forward pass and the linearisation point) is paid once per chunk instead of
 * once per matvec, and there is one host round trip per chunk instead of two per step.
 *
 * The numbers are those of `lanczosTop` (src/engine/lanczos.ts): the same recurrence (alpha_j =
 * q_j.w, one classical Gram–Schmidt pass against every q_i, beta_j = |w|, q_{j+1} = w/beta_j),
 * the same Ritz values of T_j and the same stopping rule, applied step by step on the host to the
 * chunk's alphas and betas: the estimate stops at the first step whose Ritz residual
 * beta_j |s_j| <= tol |theta| (or at breakdown). Steps a chunk computed past that point are
 * discarded, so the result does not depend on the chunk length; only their cost does. Float
 * results differ from lanczosTop's only by the rounding of a differently fused program.
 */
import { numpy as np } from "@jax-js/jax";
import { type EigenResult, ritzStep } from "./lanczos.ts";

/**
 * Runs `steps` Lanczos steps from the basis Q (raveled unit vectors, Q[last] the current q_j).
 * Returns the `steps` next vectors q_{j+1}..q_{j+steps} and ab [steps, 2] = (alpha, beta) per
 * step. Consumes Q.
 */
export type LanczosChunk = (Q: np.Array[], steps: number) => { next: np.Array[]; ab: np.Array };

export type ChunkedOptions = {
  /** Matvecs at most (default 20). */
  iters?: number;
  /** Relative Ritz residual to stop at (default 1e-3). */
  tol?: number;
  /** Steps in the first chunk (default: all `iters`); later chunks take what is left, at most `later`. */
  first?: number;
  /** Steps per later chunk (default 4). */
  later?: number;
  /** Also return the unit eigenvector estimate, raveled. */
  returnVector?: boolean;
};

/** Lanczos from the unit vector q0 (raveled, consumed) with chunked steps. */
export async function lanczosTopChunked(chunk: LanczosChunk, q0: np.Array, opts: ChunkedOptions = {}): Promise<EigenResult & { raveled?: np.Array; chunks: number }> {
  const m = opts.iters ?? 20;
  const tol = opts.tol ?? 1e-3;
  if (!(m >= 1)) throw new Error(`lanczos: iters must be >= 1, got ${m}`);
  const Q: np.Array[] = [q0];
  const alpha: number[] = [];
  const beta: number[] = [];
  let result = { value: NaN, residual: Infinity, ritz: [] as number[], s: [] as number[] };
  let converged = false;
  let done = false;
  let chunks = 0;
  const fail = (msg: string) => {
    for (const q of Q) q.dispose();
    throw new Error(msg);
  };
  while (!done) {
    const steps = Math.min(m - alpha.length, chunks === 0 ? (opts.first ?? m) : (opts.later ?? 4));
    const { next, ab } = chunk(Q.map((q) => q.ref), steps);
    chunks++;
    const host = await ab.data();
    let used = 0;
    for (let i = 0; i < steps && !done; i++) {
      const j = alpha.length;
      const a = host[2 * i] as number;
      const b = host[2 * i + 1] as number;
      alpha.push(a);
      if (!Number.isFinite(a) || !Number.isFinite(b)) {
        for (const q of next) q.dispose();
        fail(`lanczos: non-finite value at step ${j + 1} (alpha ${a}, beta ${b}); the operator produced NaN/inf`);
      }
      const step = ritzStep(alpha, beta, b, tol, j === m - 1);
      result = step.result;
      if (step.stop) {
        converged = step.converged;
        done = true;
      } else {
        beta.push(b);
        used++;
      }
    }
    // Keep the vectors of the steps taken (the last is the next chunk's q_j); drop the rest.
    next.forEach((q, i) => (i < used ? Q.push(q) : q.dispose()));
  }
  let raveled: np.Array | undefined;
  if (opts.returnVector) {
    let acc = Q[0].ref.mul(result.s[0]);
    for (let i = 1; i < result.s.length; i++) acc = acc.add(Q[i].ref.mul(result.s[i]));
    raveled = acc;
  }
  for (const q of Q) q.dispose();
  return { value: result.value, matvecs: alpha.length, converged, residual: result.residual, ritz: result.ritz, raveled, chunks };
}

/**
 * The traced body of a chunk: `steps` Lanczos steps with the matvec `apply` (traced, so it may
 * share work computed once before the loop). Consumes Q; for use inside `jit`.
 */
export function lanczosSteps(apply: (q: np.Array) => np.Array, Q: np.Array[], steps: number): { next: np.Array[]; ab: np.Array } {
  const basis = [...Q];
  const next: np.Array[] = [];
  const abs: np.Array[] = [];
  for (let i = 0; i < steps; i++) {
    const qj = basis[basis.length - 1];
    let w = apply(qj.ref);
    const a = np.dot(qj.ref, w.ref);
    const cs = basis.map((q) => np.dot(q.ref, w.ref));
    basis.forEach((q, k) => (w = w.sub(q.ref.mul(cs[k]))));
    const b = np.sqrt(np.square(w.ref).sum());
    const q = w.div(b.ref);
    abs.push(np.stack([a, b]));
    basis.push(q.ref);
    next.push(q);
  }
  for (const q of basis) q.dispose();
  return { next, ab: np.stack(abs) };
}
