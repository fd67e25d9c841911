/**
 * lambda_niw from the per-sample NIW Jacobian (docs/method.md §2.3, "The NIW block of a
 * piecewise-linear network"), for models whose logits are piecewise linear in their NIN sites
 * with no coupling between samples (`Model.piecewiseLinear`: the MLP and the CNN, not the ResNet
 * with BatchNorm).
 *
 * Why it is exact there: theta enters as theta * eps added to a representation, no NIW
 * multiplies another, and everything between the sites and the logits is linear or ReLU /
 * max-pooling, so the logits z_b are piecewise linear in theta (all sites jointly) with the
 * weights held fixed. The second-derivative term sum_c dL/dz_c d^2 z_c / d theta^2 of the NIW
 * block then vanishes almost everywhere, and
 *
 *   H_theta = sum_b J_b^T H_out,b J_b,   J_b = d z_b / d theta  [C, P]   (P = number of NIWs),
 *
 * H_out,b = (diag(p_b) - p_b p_b^T) / B for the batch-mean softmax cross-entropy, I / B for
 * MSE/2: the same matrix the exact HVP multiplies by, not an approximation of it.
 *
 * Cost: J for the whole batch is one forward pass and C reverse passes from the logits to the
 * sites (one per class, through no weight gradient); each Lanczos product is then two [B*C, P]
 * matrix-vector products. A whole 11-step estimate on the default MLP: 4.5-4.8 gradients, where
 * the reverse-over-forward HVPs cost about 1.5 gradients per product, 18 in all (bench/README.md,
 * W3). On the CNN (input site, 10 classes) the C reverse passes through both conv layers cost
 * about what the HVPs did.
 * Memory: B * C * P floats (the default MLP, in-NINR: 256 * 10 * 512, 5 MB).
 */
import { numpy as np, jit, nn, tree, vjp } from "@jax-js/jax";
import type { Params } from "../models/model.ts";
import { thetaCotangentPerSample } from "../nin/inject.ts";
import { thetaName } from "../nin/sites.ts";
import { type CurvatureModel, type NoisyBatch, type TreeOperator, applyOutHessian } from "./hvp.ts";

/** Largest B * C * P (floats) for which the Jacobian is stored; beyond it the HVP path is used. */
export const NIW_JACOBIAN_MAX_FLOATS = 64 * 1024 * 1024;

/** Whether `niwJacobianOperator` is exact for this model and small enough at batch size B. */
export function niwJacobianApplies(model: CurvatureModel, params: Params, B: number): boolean {
  if (!model.net.model.piecewiseLinear || model.net.sites.length === 0) return false;
  const P = model.net.sites.reduce((n, s) => n + (params[thetaName(s.name)]?.size ?? 0), 0);
  return P > 0 && B * model.net.model.classes * P <= NIW_JACOBIAN_MAX_FLOATS;
}

/**
 * (params, batch) -> [probs [B, C] (or a dummy for MSE), J_1 [B*C, P_1], ...] for the NIN sites
 * in order: the per-sample Jacobians of the logits with respect to each site's NIWs, rows
 * (sample, class). Consumes both.
 */
function jacobians(model: CurvatureModel) {
  const { net } = model;
  const C = net.model.classes;
  return (params: Params, b: NoisyBatch): np.Array[] => {
    const B = b.x.shape[0];
    const dtype = b.x.dtype;
    const eps = new Map(net.sites.map((s, j) => [s.name, b.eps[j].ref]));
    // Logits as a function of a shift at every site (zero: the batch's own evaluation point).
    const f = (shifts: np.Array[]) => {
      const { logits, state } = net.apply(tree.ref(params), tree.ref(b.state), b.x.ref, {
        train: true,
        eps: new Map([...eps].map(([k, e]) => [k, e.ref])),
        shift: new Map(net.sites.map((s, j) => [s.name, shifts[j]])),
      });
      tree.dispose(state);
      return logits;
    };
    const zeros = net.sites.map((s) => np.zeros([B, ...s.shape], { dtype }));
    const [logits, back] = vjp(f, [zeros]);
    const probs = model.loss === "softmax-ce" ? nn.softmax(logits) : (logits.dispose(), np.zeros([1], { dtype }));
    // One reverse pass per class c: row c of every sample's Jacobian with respect to the shifts.
    const perClass: np.Array[][] = net.sites.map(() => []);
    for (let c = 0; c < C; c++) {
      const onehot = new Float32Array(B * C);
      for (let i = 0; i < B; i++) onehot[i * C + c] = 1;
      const [g] = back(np.array(onehot).reshape([B, C]).astype(dtype)) as [np.Array[]];
      net.sites.forEach((s, j) => {
        const th = params[thetaName(s.name)];
        perClass[j].push(thetaCotangentPerSample(s, th.shape, b.eps[j].ref, g[j]).reshape([B, 1, th.size]));
      });
    }
    back.dispose();
    const out = [probs, ...perClass.map((rows, j) => np.concatenate(rows, 1).reshape([B * C, params[thetaName(net.sites[j].name)].size]))];
    for (const e of eps.values()) e.dispose();
    tree.dispose(params);
    tree.dispose(b as never);
    return out;
  };
}

/** The Jacobian builder, jitted for float32 (compiled per batch shape); eager for float64. */
export function makeNiwJacobianFns(model: CurvatureModel) {
  const eager = jacobians(model);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- jax-js's tree types do not see through NoisyBatch
  const compiled = jit(eager as (p: Params, b: any) => np.Array[]);
  return {
    build: (params: Params, b: NoisyBatch): np.Array[] => (b.x.dtype === np.float64 ? eager(params, b) : (compiled(params, b) as np.Array[])),
    dispose: () => compiled.dispose(),
  };
}

/**
 * v -> H_theta v on the NIW sub-tree (keys `${site}.theta`) from the stored Jacobian. Only
 * where `niwJacobianApplies`. Borrows params and batch.
 */
export function niwJacobianOperator(model: CurvatureModel, fns: ReturnType<typeof makeNiwJacobianFns>, params: Params, b: NoisyBatch): TreeOperator {
  const B = b.x.shape[0];
  const C = model.net.model.classes;
  const names = model.net.sites.map((s) => thetaName(s.name));
  const [probs, ...J] = fns.build(tree.ref(params), tree.ref(b as never) as NoisyBatch);
  let calls = 0;
  return {
    apply(v) {
      calls++;
      // u = J v per (sample, class), summed over sites; then H_out u; then J^T of that per site.
      let u = np.dot(J[0].ref, v[names[0]].reshape([-1]));
      for (let j = 1; j < names.length; j++) u = u.add(np.dot(J[j].ref, v[names[j]].reshape([-1])));
      const w = applyOutHessian(model.loss, model.loss === "softmax-ce" ? probs : null, u.reshape([B, C]), B).reshape([1, B * C]);
      const out: Params = {};
      names.forEach((k, j) => {
        out[k] = np.dot(w.ref, J[j].ref).reshape(params[k].shape);
      });
      w.dispose();
      return out;
    },
    get calls() {
      return calls;
    },
    dispose() {
      probs.dispose();
      for (const a of J) a.dispose();
    },
  };
}
