/**
 * Curvature matrix-vector products on parameter trees, never forming a matrix (docs/method.md §2):
 *
 *   Hessian   H v  of a scalar batch loss: exact (reverse-over-forward under `jit`; or
 *             forward-over-reverse, `linearize(grad(loss))` reused across calls), or the central
 *             difference (g(p + h u) - g(p - h u)) |v| / 2h, u = v/|v| (two gradients, in
 *             float64 by default: in float32 it is useless on ReLU nets, see makeHvpFns).
 *   noise GN  G v = mean_b sum_i Jt_ib^T H_out,b Jt_ib v, the Gauss–Newton matrix of the
 *             noise response. t_i = (d logits / d eps_i) * tau_i is a jvp in eps_i (per
 *             sample), Jt_i = dt_i / dparams over ALL parameters, H_out = diag(p) - p p^T for
 *             softmax cross-entropy (identity for MSE/2). Independent NINs add. One matvec
 *             = a jvp of t (Jt v), the H_out product, and a vjp of t (Jt^T u).
 *
 * Where the noise mode is evaluated (`at`):
 *   "sampled" (default)  logits, s_i = d logits/d eps_i and H_out at the batch's sampled eps,
 *                        tangent tau_i = eps_i, so G = mean_b sum_i eps_ib^2 Js^T H_out Js.
 *                        At small sigma this is sigma^2 E[Js^T H_out Js] at eps = 0; at large
 *                        sigma it sees the ReLU pattern and softmax saturation that the noise
 *                        itself causes, so k is not exactly proportional to sigma^2 (docs/method.md §2,
 *                        "Practical recipe").
 *   "zero"               the leading-order formula: everything at eps = 0, tau_i = sigma, so
 *                        G = sigma^2 mean_x sum_i Js^T H_out Js, exactly proportional to sigma^2.
 * In the linear toy model (MSE) both give (mean eps^2 resp. sigma^2) (|v|^2 + |theta|^2).
 * Why "sampled" is the default: on the default MLP (in-NINR, init, batch 256) it agrees with the
 * full noisy-loss Hessian's lambda_max once the noise dominates, as docs/method.md §2 says lambda_noise
 * must (sigma 100: 68.8 vs 69.7; sigma 300: 763 vs 767), while "zero" does not (49, 442);
 * sampled / zero = 1.0 at sigma 1, 0.73 at 10, 1.4 at 100, 1.7 at 300.
 *
 * Cost on the default MLP (bench/curvature.ts, batch 256 / 512, in gradient-equivalents): the
 * jitted `jvp(grad)` HVP is slow in jax-js 0.1.25 (11.5), reverse-over-forward under jit 2.5,
 * the `linearize` operator 1.7-1.9 per matvec after a one-off setup of 6-9 (but it leaks in
 * jax-js 0.1.25, see HvpMethod); the noise-GN operator 2.2 per matvec after a setup of 6-8
 * (stateless jit: 4.1-4.2; the GN linearisation does not leak). So the GN operator reuses a
 * linearisation, and the default exact HVP is jitted reverse-over-forward.
 *
 * Ownership: factories BORROW params and batch (they take their own refs); `apply(v)`
 * consumes v; call `dispose()` when done. Stateless jitted functions consume all arguments.
 */
import { numpy as np, grad, jit, jvp, linearize, nn, tree, vjp } from "@jax-js/jax";
import { type Tree, treeNorm, treeZerosLike } from "../engine/treeMath.ts";
import type { ModelState, Params } from "../models/model.ts";
import type { Network } from "../models/network.ts";
import { crossEntropy } from "../train/loss.ts";

/** Loss on the logits: softmax cross-entropy (mean over the batch), or MSE/2 = mean_b sum_c (f - y)^2 / 2. */
export type OutputLoss = "softmax-ce" | "mse";

/**
 * What the curvature of a NIN network depends on besides its parameters and data: the network
 * (its model, NIN sites and noise model) and the loss on its logits. The loss is evaluated in
 * train mode (BatchNorm on batch statistics, as SGD sees it), without dropout or CDT.
 */
export type CurvatureModel = { net: Network; loss: OutputLoss };

/**
 * A batch with its NIN noise and the model state it is evaluated with: x [B, D], y [B, C]
 * (one-hot or targets), eps[j] [B] for net.sites[j], state the model state ({} if stateless).
 */
export type NoisyBatch = { x: np.Array; y: np.Array; eps: np.Array[]; state: ModelState };

/** A scalar loss of (params, batch); consumes both. */
export type BatchLoss<B> = (params: Params, batch: B) => np.Array;

/** Where the noise-mode Gauss–Newton matrix is evaluated (see the header). */
export type NoiseModeAt = "sampled" | "zero";

/** A symmetric linear operator on parameter trees. */
export type TreeOperator = {
  /** A v. Consumes v. */
  apply(v: Tree): Tree;
  /** Matrix-vector products done so far. */
  readonly calls: number;
  dispose(): void;
};

/** The loss on the logits. Consumes logits and y. */
export function outputLoss(kind: OutputLoss, logits: np.Array, y: np.Array): np.Array {
  if (kind === "softmax-ce") return crossEntropy(logits, y);
  return np.square(logits.sub(y)).sum(1).mean().mul(0.5);
}

function epsMap(model: CurvatureModel, eps: np.Array[]): Map<string, np.Array> {
  const sites = model.net.sites;
  if (eps.length !== sites.length) throw new Error(`noisy batch has ${eps.length} eps arrays for ${sites.length} NIN sites`);
  return new Map(sites.map((s, j) => [s.name, eps[j]]));
}

/** Logits of the network in train mode with the given eps; the new state is dropped. Consumes params, state, x, eps. */
function logitsOf(model: CurvatureModel, params: Params, state: ModelState, x: np.Array, eps?: Map<string, np.Array>): np.Array {
  const { logits, state: s } = model.net.apply(params, state, x, { train: true, eps });
  tree.dispose(s);
  return logits;
}

/** The training loss with the batch's fixed noise (no dropout, no CDT). Consumes params and batch. */
export function noisyLoss(model: CurvatureModel): BatchLoss<NoisyBatch> {
  return (params, b) => outputLoss(model.loss, logitsOf(model, params, b.state, b.x, epsMap(model, b.eps)), b.y);
}

// ---------------------------------------------------------------------------------------------
// Hessian
// ---------------------------------------------------------------------------------------------

/** Jitted, stateless products of one loss; build once, reuse for every batch (compiles per shape). */
export type HvpFns<B> = {
  /** Gradient tree. Consumes all. */
  grad: (params: Params, batch: B) => Params;
  /**
   * Exact H v (reverse-over-forward: grad of the directional derivative). `v` may be a sub-tree
   * of params (keys S): the result is then H_SS v, the principal block of the parameters in S
   * with the others held fixed, e.g. the NIW block. That equals the full product masked to S
   * before and after, but the backward pass skips every gradient outside S (for the NIW block:
   * all weight-gradient matmuls), and an eigensolver works on |S|-long vectors. Jitted for
   * float32 (compiled per key set); eager for float64 params (jax-js jit bug, see below; eager
   * nested AD leaks a few small buffers per call in jax-js 0.1.25, acceptable for float64
   * oracles). Consumes all.
   */
  hvp: (params: Params, batch: B, v: Tree) => Tree;
  /** Central-difference H v with step `fdStep` along v/|v|. Consumes all. */
  fdHvp: (params: Params, batch: B, v: Tree) => Tree;
  dispose(): void;
};

/**
 * @param fdStep FD step along the unit vector v/|v| (default 1e-5).
 * @param fdFloat64 compute the FD gradients in float64 (default true; params, batch and v are
 *   upcast inside the jitted function and the result cast back). On the default ReLU MLP a
 *   float32 FD HVP is useless: steps >= 1e-4 cross ReLU kinks (131k unit-samples per layer; one
 *   crossing adds jump/2h, e.g. 416x |Hv| at h = 1e-4, 55x at 1e-3) and steps <= 1e-5 drown in
 *   float32 rounding (25% at 1e-5). In float64, h = 1e-5 agrees with the exact HVP to about
 *   0.4% along a random direction (jax-js's fused float64 softmax kernels are only about
 *   float32-accurate, which sets the floor: 3% at h = 1e-6), but Lanczos seeks out the
 *   directions that do cross a kink, so FD eigenvalues of that MLP are still wrong (60-110
 *   against 1.3), and float64 costs 60-80 gradients per product. Use FD on small nets.
 */
export function makeHvpFns<B>(loss: BatchLoss<B>, opts: { fdStep?: number; fdFloat64?: boolean } = {}): HvpFns<B> {
  const h = opts.fdStep ?? 1e-5;
  const up = opts.fdFloat64 ?? true;
  // jax-js's mapped tree types do not see through a generic batch type: `any` at this boundary.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type AnyB = any;
  const gradFn = jit((p: Params, b: AnyB) => grad(loss)(p, b) as Params);
  const rof = (p: Params, b: AnyB, v: Tree) => {
    // Differentiate with respect to the keys of v only; the rest are constants of the program.
    const fixed: Params = {};
    const sub: Params = {};
    for (const k of Object.keys(p)) (k in v ? sub : fixed)[k] = p[k];
    const out = grad((s: Params) => {
      const [l, dl] = jvp((ss: Params) => loss({ ...tree.ref(fixed), ...ss }, tree.ref(b)), [s], [tree.ref(v)]);
      l.dispose();
      return dl;
    })(sub) as Params;
    tree.dispose(fixed);
    tree.dispose(b);
    tree.dispose(v);
    return out;
  };
  const hvpFn = jit(rof);
  const to64 = <T>(t: T): T => (up ? (tree.map((a: np.Array) => (a.dtype === np.float32 ? a.astype(np.float64) : a), t as AnyB) as T) : t);
  const fdFn = jit((p0: Params, b0: AnyB, v0: Tree) => {
    const dtypes = Object.fromEntries(Object.keys(p0).map((k) => [k, p0[k].dtype]));
    const [p, b, v] = [to64(p0), to64(b0), to64(v0)];
    // Scale-free: step along the unit vector, rescale by |v| (guarded for v = 0).
    const n = np.maximum(treeNorm(tree.ref(v)), 1e-30);
    const shift = (sign: number) => {
      const out: Params = {};
      for (const k of Object.keys(p)) out[k] = p[k].ref.add(v[k].ref.mul(np.reciprocal(n.ref).mul(sign * h)));
      return out;
    };
    const gp = grad(loss)(shift(1), tree.ref(b)) as Params;
    const gm = grad(loss)(shift(-1), b) as Params;
    tree.dispose(p);
    tree.dispose(v);
    const out: Tree = {};
    for (const k of Object.keys(gp)) {
      const d = gp[k].sub(gm[k]).mul(n.ref.mul(1 / (2 * h)));
      out[k] = d.dtype === dtypes[k] ? d : d.astype(dtypes[k]);
    }
    n.dispose();
    return out;
  });
  return {
    grad: (p, b) => gradFn(p, b),
    // jax-js 0.1.25 miscompiles second-order products of float64 programs under jit (wrong,
    // run-to-run varying numbers; float32 is right): float64 trees take the eager path.
    hvp: (p, b, v) => (Object.values(p).some((a) => a.dtype === np.float64) ? rof(p, b, v) : (hvpFn(p, b, v) as Tree)),
    fdHvp: (p, b, v) => fdFn(p, b, v) as Tree,
    dispose() {
      gradFn.dispose();
      hvpFn.dispose();
      fdFn.dispose();
    },
  };
}

/**
 * How H v is computed at fixed (params, batch):
 *   "exact"      reverse-over-forward under jit (`fns.hvp`), about 2.4 gradients a product
 *                (float64 params: eager, as jax-js 0.1.25 miscompiles float64 second-order jit);
 *   "linearize"  forward-over-reverse, `linearize(grad(loss))` once per operator and replayed:
 *                1.1-2.0 gradients a product after a setup of 3-10, but in jax-js 0.1.25 eager
 *                forward-over-reverse leaks a few intermediate buffers of softmax/max/exp per
 *                linearisation (about 2 KB per 16 samples; jit is leak-free), and `linearize`
 *                of a gradient with a structurally zero tangent throws ("Ran out of leaves
 *                while unflattening JsTree"; e.g. a ReLU-only loss), in which case this falls
 *                back to "exact";
 *   "fd"         the central difference `fns.fdHvp` (see makeHvpFns for when it can be trusted).
 */
export type HvpMethod = "exact" | "linearize" | "fd";

/**
 * H v at fixed (params, batch) as an operator. Borrows params and batch. `fns` (jitted, from
 * makeHvpFns) is needed for "exact" and "fd"; without it the operator makes and owns its own.
 */
export function hessianOperator<B>(loss: BatchLoss<B>, params: Params, batch: B, opts: { method?: HvpMethod; fns?: HvpFns<B> } = {}): TreeOperator {
  let calls = 0;
  const method = opts.method ?? "exact";
  if (method === "linearize") {
    const g = grad(loss) as (q: Params, b: B) => Params; // see AnyB in makeHvpFns
    type Lin = ((v: Tree) => Tree) & { dispose(): void };
    let lin: Lin | null = null;
    let fallback: TreeOperator | null = null;
    const fallBack = (e: unknown) => {
      // jax-js 0.1.25 cannot linearize some gradients (see HvpMethod): use the jitted product.
      if (!(e instanceof TypeError)) throw e;
      lin?.dispose();
      lin = null;
      fallback = hessianOperator(loss, params, batch, { ...opts, method: "exact" });
    };
    try {
      const [g0, l] = linearize((q: Params) => g(q, tree.ref(batch as Tree) as B), [tree.ref(params)]);
      tree.dispose(g0);
      lin = l as unknown as Lin;
    } catch (e) {
      fallBack(e);
    }
    return {
      apply(v) {
        calls++;
        if (lin) {
          const keep = tree.ref(v);
          try {
            const out = lin(v);
            tree.dispose(keep);
            return out;
          } catch (e) {
            fallBack(e);
            return fallback!.apply(keep);
          }
        }
        return fallback!.apply(v);
      },
      get calls() {
        return calls;
      },
      dispose() {
        lin?.dispose();
        fallback?.dispose();
      },
    };
  }
  const own = opts.fns ? null : makeHvpFns(loss);
  const fns = opts.fns ?? own!;
  const product = method === "fd" ? fns.fdHvp : fns.hvp;
  const p = tree.ref(params);
  const b = tree.ref(batch as Tree) as B;
  return {
    apply(v) {
      calls++;
      return product(tree.ref(p), tree.ref(b as Tree) as B, v);
    },
    get calls() {
      return calls;
    },
    dispose() {
      tree.dispose(p);
      tree.dispose(b as Tree);
      own?.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Noise-mode Gauss–Newton
// ---------------------------------------------------------------------------------------------

/**
 * The scaled noise responses t_j = (d logits / d eps_j) * tau_j, stacked [S, B, C].
 * Consumes params; borrows the batch.
 */
export function noiseResponse(model: CurvatureModel, params: Params, b: NoisyBatch, at: NoiseModeAt): np.Array {
  const dtype = b.x.dtype;
  const sites = model.net.sites;
  if (at === "zero" && !model.net.noise.scalar) throw new Error(`noise mode at eps = 0 is defined for scalar noise only (this network's noise is '${model.net.noise.kind}')`);
  const ts = sites.map((site, j) => {
    const others = new Map<string, np.Array>();
    if (at === "sampled") sites.forEach((s, i) => i !== j && others.set(s.name, b.eps[i].ref));
    const f = (e: np.Array) => logitsOf(model, tree.ref(params), tree.ref(b.state), b.x.ref, new Map([...others, [site.name, e]]));
    const shape = b.eps[j].shape;
    const primal = at === "sampled" ? b.eps[j].ref : np.zeros(shape, { dtype });
    const tangent = at === "sampled" ? b.eps[j].ref : np.full(shape, model.net.noise.sigma, { dtype });
    const [out, t] = jvp(f, [primal], [tangent]);
    out.dispose();
    return t;
  });
  tree.dispose(params);
  return np.stack(ts);
}

/** H_out u per sample, divided by B (the batch mean). probs [B,C] borrowed; u [S,B,C] consumed. */
export function applyOutHessian(kind: OutputLoss, probs: np.Array | null, u: np.Array, B: number): np.Array {
  if (kind === "mse" || probs === null) return u.mul(1 / B);
  const pu = probs.ref.mul(u);
  return pu.ref.sub(probs.ref.mul(pu.sum(-1, { keepdims: true }))).mul(1 / B);
}

/** Softmax of the logits at the evaluation point (null for MSE). Borrows all. */
export function outputProbs(model: CurvatureModel, params: Params, b: NoisyBatch, at: NoiseModeAt): np.Array | null {
  if (model.loss !== "softmax-ce") return null;
  const eps = at === "sampled" ? epsMap(model, b.eps.map((e) => e.ref)) : undefined;
  return nn.softmax(logitsOf(model, tree.ref(params), tree.ref(b.state), b.x.ref, eps));
}

/**
 * The noise-mode Gauss–Newton operator at fixed (params, batch): one linearisation and one vjp
 * of the noise response are built here and replayed per call (about 2.5 gradients a matvec on
 * the default MLP). No NIN sites: the zero operator. Borrows params and batch.
 */
export function noiseGnOperator(model: CurvatureModel, params: Params, batch: NoisyBatch, opts: { at?: NoiseModeAt } = {}): TreeOperator {
  const at = opts.at ?? "sampled";
  let calls = 0;
  if (model.net.sites.length === 0) {
    const like = treeZerosLike(params);
    return {
      apply(v) {
        calls++;
        tree.dispose(v);
        return treeZerosLike(like);
      },
      get calls() {
        return calls;
      },
      dispose() {
        tree.dispose(like);
      },
    };
  }
  const B = batch.x.shape[0];
  const probs = outputProbs(model, params, batch, at);
  const T = (q: Params) => noiseResponse(model, q, batch, at);
  const [t0, lin] = linearize(T, [tree.ref(params)]);
  t0.dispose();
  const [t1, back] = vjp(T, [tree.ref(params)]);
  t1.dispose();
  return {
    apply(v) {
      calls++;
      const u = applyOutHessian(model.loss, probs, lin(v) as np.Array, B);
      return (back(u) as [Params])[0];
    },
    get calls() {
      return calls;
    },
    dispose() {
      lin.dispose();
      back.dispose();
      probs?.dispose();
    },
  };
}

/**
 * Stateless jitted noise-GN matvec (recomputes the response every call: about 5 gradients on
 * the default MLP, twice the operator's cost; kept for benchmarks and one-off products).
 * Float32 only in earnest: it matched the dense GN on the float64 tiny net in the tests, but
 * jax-js 0.1.25 miscompiles some float64 second-order programs (see HvpFns.hvp).
 * Consumes all arguments.
 */
export function makeGnMatvec(model: CurvatureModel, opts: { at?: NoiseModeAt } = {}) {
  const at = opts.at ?? "sampled";
  return jit((p: Params, b: NoisyBatch, v: Tree) => {
    const B = b.x.shape[0];
    const probs = outputProbs(model, p, b, at);
    const [t, dt] = jvp((q: Params) => noiseResponse(model, q, b, at), [tree.ref(p)], [v]);
    t.dispose();
    const u = applyOutHessian(model.loss, probs, dt, B);
    probs?.dispose();
    const [t2, back] = vjp((q: Params) => noiseResponse(model, q, b, at), [p]);
    t2.dispose();
    const [gv] = back(u) as [Params];
    tree.dispose(b as unknown as Tree);
    return gv;
  });
}
