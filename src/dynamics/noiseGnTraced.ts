/**
 * The noise-mode Gauss–Newton operator of src/dynamics/hvp.ts (G v = mean_b sum_i Jt_i^T H_out
 * Jt_i v) built inside a traced program, for the chunked Lanczos of src/dynamics/chunkedTop.ts:
 * the linearisation and the vjp of the noise response are traced once per chunk and replayed per
 * matvec, compiled, instead of being set up op by op per estimate (noiseGnOperator's eager
 * `linearize` + `vjp`, 6-8 gradients on the default MLP) and replayed eagerly (2.2 a matvec).
 * Same products as noiseGnOperator, so the same eigenvalues up to float32 rounding (tested).
 * Float32 only: jax-js 0.1.25 miscompiles some float64 second-order programs under jit.
 */
import { linearize, numpy as np, tree, vjp } from "@jax-js/jax";
import type { Params } from "../models/model.ts";
import type { TracedOperator } from "./chunkedTop.ts";
import { type CurvatureModel, type NoiseModeAt, type NoisyBatch, applyOutHessian, noiseResponse, outputProbs } from "./hvp.ts";

/** G at (params, batch) for a network with at least one NIN site. */
export function tracedNoiseGn(model: CurvatureModel, at: NoiseModeAt): TracedOperator<NoisyBatch> {
  return (params, b) => {
    const B = b.x.shape[0];
    const probs = outputProbs(model, params, b, at);
    const T = (q: Params) => noiseResponse(model, q, b, at);
    const [t0, lin] = linearize(T, [tree.ref(params)]);
    t0.dispose();
    const [t1, back] = vjp(T, [tree.ref(params)]);
    t1.dispose();
    return {
      apply: (v) => (back(applyOutHessian(model.loss, probs, lin(v) as np.Array, B)) as [Params])[0],
      dispose() {
        lin.dispose();
        back.dispose();
        probs?.dispose();
      },
    };
  };
}
