/**
 * Optimizers as small gradient transformations (optax style; @jax-js/optax is not on the
 * registry). A transformation maps gradients to updates and carries a state tree; `chain`
 * composes them; `applyUpdates` adds updates to parameters. All functions are pure and
 * jit-friendly, and consume their array arguments (jax-js ownership).
 */
import { numpy as np, tree } from "@jax-js/jax";
import type { OptimizerName } from "../config.ts";
import type { Params } from "../models/model.ts";

export type OptState = Record<string, Params>;

export type GradientTransformation = {
  /** State for these parameters (consumes nothing; reads shapes only). */
  init(params: Params): OptState;
  /** (grads, state, params) -> [updates, newState]. Consumes all three. */
  update(grads: Params, state: OptState, params: Params): [Params, OptState];
};

/** updates = -lr * grads. */
export function scaleByLearningRate(lr: number): GradientTransformation {
  return {
    init: () => ({}),
    update: (grads, state, params) => {
      tree.dispose(params);
      return [mapParams(grads, (g) => g.mul(-lr)), state];
    },
  };
}

/** Heavy-ball momentum: m <- beta m + g; updates = m. */
export function traceMomentum(beta: number): GradientTransformation {
  return {
    init: (params) => ({ momentum: mapParams(params, (p) => np.zeros(p.shape)) }), // reads shapes only
    update: (grads, state, params) => {
      tree.dispose(params);
      const m: Params = {};
      for (const k of Object.keys(grads)) m[k] = state.momentum[k].mul(beta).add(grads[k]);
      return [tree.ref(m), { momentum: m }];
    },
  };
}

/**
 * Decoupled-from-the-loss L2: g <- g + lambda * w for the parameters `mask` selects. Equivalent
 * to adding (lambda/2) ||w||^2 to the loss (PyTorch's weight_decay), without changing the
 * reported data loss.
 */
export function addDecayedWeights(lambda: number, mask: (name: string) => boolean): GradientTransformation {
  return {
    init: () => ({}),
    update: (grads, state, params) => {
      const out: Params = {};
      for (const k of Object.keys(grads)) out[k] = mask(k) ? grads[k].add(params[k].ref.mul(lambda)) : grads[k];
      tree.dispose(params);
      return [out, state];
    },
  };
}

/** Apply transformations in order; their states live under "0", "1", ... */
export function chain(...ts: GradientTransformation[]): GradientTransformation {
  return {
    init: (params) => {
      const s: OptState = {};
      ts.forEach((t, i) => {
        for (const [k, v] of Object.entries(t.init(params))) s[`${i}.${k}`] = v;
      });
      return s;
    },
    update: (grads, state, params) => {
      let g = grads;
      const newState: OptState = {};
      ts.forEach((t, i) => {
        const prefix = `${i}.`;
        const own: OptState = {};
        for (const [k, v] of Object.entries(state)) if (k.startsWith(prefix)) own[k.slice(prefix.length)] = v;
        const [u, s] = t.update(g, own, i === ts.length - 1 ? params : tree.ref(params));
        g = u;
        for (const [k, v] of Object.entries(s)) newState[prefix + k] = v;
      });
      return [g, newState];
    },
  };
}

/** SGD with optional momentum and L2 on the masked parameters (docs/method.md §4 default: plain SGD). */
export function sgd(opts: { lr: number; momentum?: number; l2?: number; l2Mask?: (name: string) => boolean }): GradientTransformation {
  const parts: GradientTransformation[] = [];
  if (opts.l2 && opts.l2 > 0) parts.push(addDecayedWeights(opts.l2, opts.l2Mask ?? (() => true)));
  if (opts.momentum && opts.momentum > 0) parts.push(traceMomentum(opts.momentum));
  parts.push(scaleByLearningRate(opts.lr));
  return chain(...parts);
}

/**
 * Adam (Kingma & Ba 2015; PyTorch's defaults b1 0.9, b2 0.999, eps 1e-8): m <- b1 m + (1-b1) g,
 * v <- b2 v + (1-b2) g^2, updates = m_hat / (sqrt(v_hat) + eps) with the bias corrections
 * 1 - b^t; follow it with scaleByLearningRate. The step count t lives in the state as a scalar
 * array so the whole update stays jit-friendly.
 */
export function scaleByAdam(b1 = 0.9, b2 = 0.999, eps = 1e-8): GradientTransformation {
  return {
    init: (params) => ({
      mu: mapParams(params, (p) => np.zeros(p.shape)),
      nu: mapParams(params, (p) => np.zeros(p.shape)),
      count: { t: np.zeros([]) },
    }),
    update: (grads, state, params) => {
      tree.dispose(params);
      const t = state.count.t.add(1);
      // Bias corrections 1 - b^t, as arrays of t (b^t = exp(t ln b)).
      const c1 = np.exp(t.ref.mul(Math.log(b1))).mul(-1).add(1);
      const c2 = np.exp(t.ref.mul(Math.log(b2))).mul(-1).add(1);
      const mu: Params = {}, nu: Params = {}, out: Params = {};
      for (const k of Object.keys(grads)) {
        const g = grads[k];
        mu[k] = state.mu[k].mul(b1).add(g.ref.mul(1 - b1));
        nu[k] = state.nu[k].mul(b2).add(g.ref.mul(g).mul(1 - b2));
        out[k] = mu[k].ref.div(c1.ref).div(np.sqrt(nu[k].ref.div(c2.ref)).add(eps));
      }
      c1.dispose();
      c2.dispose();
      return [out, { mu, nu, count: { t } }];
    },
  };
}

/** Adam with optional coupled L2 (g + l2 w, PyTorch's Adam weight_decay) on the masked parameters. */
export function adam(opts: { lr: number; l2?: number; l2Mask?: (name: string) => boolean }): GradientTransformation {
  const parts: GradientTransformation[] = [];
  if (opts.l2 && opts.l2 > 0) parts.push(addDecayedWeights(opts.l2, opts.l2Mask ?? (() => true)));
  parts.push(scaleByAdam(), scaleByLearningRate(opts.lr));
  return chain(...parts);
}

/** The run's optimizer from its config keys (`optimizer`, `lr`, `momentum`, `l2`). */
export function optimizerFor(cfg: { optimizer: OptimizerName; lr: number; momentum: number; l2: number }, l2Mask: (name: string) => boolean): GradientTransformation {
  return cfg.optimizer === "adam" ? adam({ lr: cfg.lr, l2: cfg.l2, l2Mask }) : sgd({ lr: cfg.lr, momentum: cfg.momentum, l2: cfg.l2, l2Mask });
}

/** params + updates (consumes both). */
export function applyUpdates(params: Params, updates: Params): Params {
  const out: Params = {};
  for (const k of Object.keys(params)) out[k] = params[k].add(updates[k]);
  return out;
}

function mapParams(p: Params, f: (a: np.Array) => np.Array): Params {
  const out: Params = {};
  for (const k of Object.keys(p)) out[k] = f(p[k]);
  return out;
}
