/**
 * Top eigenvalue of a symmetric operator on parameter trees (the curvature matrices of
 * src/dynamics/hvp.ts): Lanczos with full reorthogonalisation, and power iteration as a
 * simpler cross-check. Both start from a random vector drawn from an explicit jax-js key.
 *
 * Lanczos (m steps, default 20): q_1 = z/|z|; w = A q_j; alpha_j = q_j.w; w is orthogonalised
 * against every q_i (one classical Gram–Schmidt pass; this subsumes the three-term recurrence
 * w -= alpha_j q_j + beta_{j-1} q_{j-1}), beta_j = |w|, q_{j+1} = w / beta_j. The largest eigenvalue of the tridiagonal
 * T_j (Jacobi, in JS) is the estimate; it stops when the Ritz residual beta_j |s_j| drops below
 * tol * |theta|, or at breakdown (an invariant subspace: exact). The reorthogonalisation
 * coefficients stay on the device; only alpha_j and beta_j are read back, once per step.
 * The Lanczos vectors are stored raveled (1-D); memory: m parameter vectors. The returned
 * `value` is that of the float32/float64 arithmetic of the operator; Ritz values converge to
 * the top eigenvalue from below.
 *
 * Power iteration returns the Rayleigh quotient of the dominant eigenvector, i.e. the
 * eigenvalue of largest MAGNITUDE: right for the PSD Gauss–Newton matrix, and for a Hessian
 * whose top eigenvalue dominates its most negative one; Lanczos has no such caveat.
 *
 * Ownership: `op` is borrowed (the caller disposes it); `like` is borrowed (shapes only); the
 * key is consumed; a returned `vector` is the caller's.
 */
import { jit, numpy as np, tree } from "@jax-js/jax";
import { type Tree, treeDot, treeMask, treeNorm, treeRandomNormal, treeRavel, treeScale, treeUnravel } from "../engine/treeMath.ts";

/** Anything with `apply(v)` that consumes v and returns A v (e.g. a TreeOperator). */
export type SymmetricOperator = { apply(v: Tree): Tree };

export type EigenOptions = {
  /** Maximum matvecs (Lanczos steps m, or power iterations). Default 20 (Lanczos), 100 (power). */
  iters?: number;
  /** Relative tolerance (Lanczos: Ritz residual / |theta|; power: change of the Rayleigh quotient). Default 1e-3. */
  tol?: number;
  /** Draw the start vector on this block only (for an operator restricted to it, e.g. the NIWs). */
  mask?: (name: string) => boolean;
  /** Start vector instead of a random one (consumed; e.g. a previous estimate's vector). */
  start?: Tree;
  /** Also return the unit eigenvector estimate. */
  returnVector?: boolean;
};

export type EigenResult = {
  /** Top (largest algebraic for Lanczos) eigenvalue estimate. */
  value: number;
  /** Matrix-vector products used. */
  matvecs: number;
  /** Tolerance met (or Lanczos breakdown: exact on the Krylov space). */
  converged: boolean;
  /** Lanczos: relative Ritz residual beta |s| / |theta|. Power: last relative change. */
  residual: number;
  /** Lanczos: all Ritz values of the last T, descending. Power: the quotient history. */
  ritz: number[];
  vector?: Tree;
};

async function scalar(a: np.Array): Promise<number> {
  return (await a.data())[0] as number;
}

function startVector(key: np.Array, like: Tree, opts: EigenOptions): Tree {
  if (opts.start) {
    key.dispose();
    return opts.mask ? treeMask(opts.start, opts.mask) : opts.start;
  }
  const z = treeRandomNormal(key, like);
  return opts.mask ? treeMask(z, opts.mask) : z;
}

/** Unit vector along v (consumes v); null when |v| is 0 or not finite. */
async function normalise(v: Tree): Promise<[Tree, number] | null> {
  const n = await scalar(treeNorm(tree.ref(v)));
  if (!(n > 0) || !Number.isFinite(n)) {
    tree.dispose(v);
    return null;
  }
  return [treeScale(1 / n, v), n];
}

/**
 * Largest eigenvalue by Lanczos with full reorthogonalisation.
 * @param like a tree with the operator's shapes (borrowed)
 * @param key jax-js PRNG key for the start vector (consumed)
 */
export async function lanczosTop(op: SymmetricOperator, like: Tree, key: np.Array, opts: EigenOptions = {}): Promise<EigenResult> {
  const m = opts.iters ?? 20;
  const tol = opts.tol ?? 1e-3;
  if (!(m >= 1)) throw new Error(`lanczos: iters must be >= 1, got ${m}`);
  const start = await normalise(startVector(key, like, opts));
  if (!start) throw new Error("lanczos: start vector is zero or not finite (empty mask?)");
  // Lanczos vectors are kept raveled (one 1-D array each): the reorthogonalisation is then one
  // jitted program instead of O(j * leaves) eager ops (0.5 ms each even on tiny arrays).
  const Q: np.Array[] = [treeRavel(start[0])];
  const apply = (q: np.Array) => treeRavel(op.apply(treeUnravel(q, like)));
  const alpha: number[] = [];
  const beta: number[] = [];
  let matvecs = 0;
  let result: { value: number; residual: number; ritz: number[]; s: number[] } = { value: NaN, residual: Infinity, ritz: [], s: [] };
  let converged = false;
  let zero: np.Array | undefined;
  for (let j = 0; j < m; j++) {
    const w = apply(Q[j].ref);
    matvecs++;
    // One fused program: alpha_j = q_j.w, w orthogonalised against every q_i (which subsumes
    // the three-term recurrence), beta_j = |w|, q_{j+1} = w / beta_j.
    zero ??= np.zeros(w.shape, { dtype: w.dtype });
    const arity = Math.min(m, Math.ceil(Q.length / SLOT_BUCKET) * SLOT_BUCKET);
    const slots = Array.from({ length: arity }, (_, i) => (i < Q.length ? Q[i] : zero!).ref);
    const [qNext, a, bArr] = lanczosStep(w, Q[j].ref, slots);
    alpha.push(await scalar(a));
    const b = await scalar(bArr);
    if (!Number.isFinite(alpha[j]) || !Number.isFinite(b)) {
      qNext.dispose();
      for (const x of Q) x.dispose();
      zero?.dispose();
      throw new Error(`lanczos: non-finite value at step ${j + 1} (alpha ${alpha[j]}, beta ${b}); the operator produced NaN/inf`);
    }
    const step = ritzStep(alpha, beta, b, tol, j === m - 1);
    result = step.result;
    if (step.stop) {
      converged = step.converged;
      qNext.dispose();
      break;
    }
    beta.push(b);
    Q.push(qNext);
  }
  let vector: Tree | undefined;
  if (opts.returnVector) {
    let acc = Q[0].ref.mul(result.s[0]);
    for (let i = 1; i < result.s.length; i++) acc = acc.add(Q[i].ref.mul(result.s[i]));
    vector = treeUnravel(acc, like);
  }
  for (const q of Q) q.dispose();
  zero?.dispose();
  return { value: result.value, matvecs, converged, residual: result.residual, ritz: result.ritz, vector };
}

/**
 * One Lanczos step after the matvec w = A q_j: alpha = q_j.w; w minus its components along
 * every previous q (full reorthogonalisation by one classical Gram–Schmidt pass, which also
 * removes the q_j and q_{j-1} terms of the three-term recurrence); beta = |w|; returns
 * [w / beta, alpha, beta]. One pass, not the textbook two: on the 670k-parameter MLP the second
 * pass cost 16% of a whole curvature measurement (all three numbers: 6.19 -> 5.17 s, same
 * matvec counts, eigenvalues equal to 4 digits; bench/curvature.ts), and the dense-eigensolver
 * oracles in test/dynamics still agree to 1e-8 with Krylov spaces as large as the matrix.
 * The arity grows in buckets of SLOT_BUCKET (unused slots get one shared zero vector), so it
 * compiles a handful of times per (size, dtype), cached for the process. Stacking the qs into
 * a matrix instead costs more in jax-js 0.1.25 (np.stack of 15 x 670k floats: 100-400 ms) than
 * this whole program (about 25 ms a step at 670k with 12 vectors, warm; about 1 s of compilation once per
 * process and size).
 * Consumes all.
 */
const SLOT_BUCKET = 4;
const lanczosStep = jit((w: np.Array, qj: np.Array, qs: np.Array[]) => {
  const a = np.dot(qj, w.ref);
  const cs = qs.map((q) => np.dot(q.ref, w.ref));
  qs.forEach((q, i) => (w = w.sub(q.ref.mul(cs[i]))));
  for (const q of qs) q.dispose();
  const b = np.sqrt(np.square(w.ref).sum());
  return [w.div(b.ref), a, b] as [np.Array, np.Array, np.Array];
});

/**
 * Dominant eigenvalue by power iteration (Rayleigh quotient); stops when the quotient changes
 * by less than tol (relative) between iterations.
 */
export async function powerTop(op: SymmetricOperator, like: Tree, key: np.Array, opts: EigenOptions = {}): Promise<EigenResult> {
  const iters = opts.iters ?? 100;
  const tol = opts.tol ?? 1e-3;
  const start = await normalise(startVector(key, like, opts));
  if (!start) throw new Error("power iteration: start vector is zero or not finite (empty mask?)");
  let v = start[0];
  const history: number[] = [];
  let matvecs = 0;
  let change = Infinity;
  let converged = false;
  for (let i = 0; i < iters; i++) {
    const w = op.apply(tree.ref(v));
    matvecs++;
    const rq = await scalar(treeDot(tree.ref(v), tree.ref(w)));
    if (!Number.isFinite(rq)) {
      tree.dispose(w);
      tree.dispose(v);
      throw new Error(`power iteration: non-finite Rayleigh quotient at step ${i + 1}`);
    }
    if (history.length) change = Math.abs(rq - history[history.length - 1]) / Math.max(Math.abs(rq), 1e-300);
    history.push(rq);
    const next = await normalise(w);
    if (!next) {
      // A v = 0: v is in the null space; the quotient (0) is exact for it.
      converged = true;
      change = 0;
      break;
    }
    tree.dispose(v);
    v = next[0];
    if (change <= tol) {
      converged = true;
      break;
    }
  }
  const value = history[history.length - 1];
  if (opts.returnVector) return { value, matvecs, converged, residual: change, ritz: history, vector: v };
  tree.dispose(v);
  return { value, matvecs, converged, residual: change, ritz: history };
}

/** Index of the largest entry. */
export type RitzResult = { value: number; residual: number; ritz: number[]; s: number[] };

/**
 * One Lanczos step's Ritz estimate and the stopping rule, shared by `lanczosTop` and the compiled
 * chunks (src/engine/lanczosChunked.ts): the top Ritz pair of the tridiagonal (alpha, beta), its
 * residual |b s_j| / |theta| with `b` the new off-diagonal, and stop on breakdown (b tiny against
 * the spectrum seen, residual 0), on residual <= tol, or at the last step allowed.
 */
export function ritzStep(alpha: number[], beta: number[], b: number, tol: number, last: boolean): { result: RitzResult; stop: boolean; converged: boolean } {
  const j = alpha.length - 1;
  const eig = symmetricEigen(tridiagonal(alpha, beta));
  const top = argmax(eig.values);
  const s = eig.vectors.map((row) => row[top]);
  const theta = eig.values[top];
  const scale = Math.max(Math.abs(theta), ...alpha.map(Math.abs), 1e-300);
  const result = { value: theta, residual: (b * Math.abs(s[j])) / Math.max(Math.abs(theta), 1e-300), ritz: [...eig.values].sort((x, y) => y - x), s };
  const breakdown = b <= 1e-10 * scale;
  const converged = breakdown || result.residual <= tol;
  if (breakdown) result.residual = 0;
  return { result, stop: converged || last, converged };
}

export function argmax(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/** The dense symmetric tridiagonal matrix with diagonal alpha and off-diagonal beta. */
export function tridiagonal(alpha: number[], beta: number[]): number[][] {
  const n = alpha.length;
  const t = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    t[i][i] = alpha[i];
    if (i + 1 < n) t[i][i + 1] = t[i + 1][i] = beta[i];
  }
  return t;
}

/**
 * Eigen-decomposition of a small dense symmetric matrix by cyclic Jacobi rotations (exact to
 * rounding; O(n^3) per sweep, for n up to a few hundred). The input is not modified.
 * @returns values (unsorted) and vectors with vectors[i][k] = component i of eigenvector k
 */
export function symmetricEigen(matrix: number[][]): { values: number[]; vectors: number[][] } {
  const n = matrix.length;
  const a = matrix.map((row) => [...row]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += a[i][i] * a[i][i];
      for (let j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300) || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p][q];
        if (apq === 0) continue;
        const tau = (a[q][q] - a[p][p]) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]), vectors: v };
}
