/**
 * The NIW block from the stored per-sample Jacobian (src/dynamics/niwJacobian.ts) against the
 * exact NIW-block Hessian from reverse-over-forward HVPs, both assembled as dense matrices on
 * tiny float64 nets (the claim: for piecewise-linear models the two are the same matrix):
 * a full-NINR ReLU MLP (softmax CE and MSE), a conv chain with cNINR at both conv sites in both
 * NIW layouts (chw, hw), with white and with correlated field noise; then through the meter, on
 * float32, against the HVP path; and the models where it must not be used.
 */
import { describe, expect, it } from "vitest";
import { nn, numpy as np, random, tree } from "@jax-js/jax";
import { DEFAULT_CONFIG, resolveConfig } from "../../src/config.ts";
import { type Layer, chainModel } from "../../src/models/chain.ts";
import type { Params } from "../../src/models/model.ts";
import { type NetworkSpec, buildNetwork } from "../../src/models/network.ts";
import { registerModel } from "../../src/models/registry.ts";
import { isNiw } from "../../src/nin/sites.ts";
import { type CurvatureModel, type NoisyBatch, type OutputLoss, makeHvpFns, noisyLoss } from "../../src/dynamics/hvp.ts";
import { makeNiwJacobianFns, niwJacobianApplies, niwJacobianOperator } from "../../src/dynamics/niwJacobian.ts";
import { drawNoise, measureCurvatureModel } from "../../src/dynamics/curvature.ts";
import { symmetricEigen } from "../../src/engine/lanczos.ts";
import { denseOf, maxAbs, maxDiff } from "../helpers/dense.ts";

const f64 = (a: np.Array) => a.astype(np.float64);

const niwOf = (p: Params): Params => Object.fromEntries(Object.entries(p).filter(([k]) => isNiw(k)));

registerModel({
  name: "niwjac-conv",
  description: "test: conv(1->2)-pool-conv(2->3)-pool-dense(3) on 8x8x1",
  build: () =>
    chainModel("niwjac-conv", [8, 8, 1], [
      { kind: "conv", cIn: 1, cOut: 2, h: 8, w: 8, size: 3 },
      { kind: "conv", cIn: 2, cOut: 3, h: 4, w: 4, size: 3 },
      { kind: "dense", nIn: 2 * 2 * 3, nOut: 3, relu: false },
    ] as Layer[]),
});

function network(over: Partial<NetworkSpec>, inputShape: number[], classes: number) {
  const spec: NetworkSpec = { ...DEFAULT_CONFIG, model: "mlp", nin: "all", ninLogit: true, sigma: 1.5, noise: "gaussian", thetaInit: "normal", thetaScale: 1, cninShape: "chw", ...over };
  return buildNetwork(spec, { inputShape, classes });
}

/** Dense NIW block two ways on one float64 batch: [from the Jacobian, from exact HVPs]. */
async function bothBlocks(model: CurvatureModel, seed: number, B: number): Promise<[number[][], number[][]]> {
  const d = model.net.model.inputShape.reduce((a, b) => a * b, 1);
  const C = model.net.model.classes;
  const params = tree.map(f64, model.net.init(random.key(seed)).params) as Params;
  const [kx, ke] = random.split(random.key(seed + 1), 2) as unknown as np.Array[];
  const labels = np.array(new Int32Array(Array.from({ length: B }, (_, i) => (i * 5 + seed) % C)));
  const batch: NoisyBatch = { x: f64(random.uniform(kx, [B, d])), y: f64(nn.oneHot(labels, C).astype(np.float32)), eps: drawNoise(model, ke, B, np.float64), state: {} };
  const like = niwOf(params);
  const hvp = makeHvpFns(noisyLoss(model));
  const H = await denseOf((v) => hvp.hvp(tree.ref(params), tree.ref(batch), v), like);
  hvp.dispose();
  const fns = makeNiwJacobianFns(model);
  const op = niwJacobianOperator(model, fns, params, batch);
  const G = await denseOf((v) => op.apply(v), like);
  op.dispose();
  fns.dispose();
  tree.dispose(params);
  tree.dispose(batch as never);
  return [G, H];
}

describe("NIW block from the per-sample Jacobian = exact NIW-block Hessian (float64, dense)", () => {
  for (const loss of ["softmax-ce", "mse"] as OutputLoss[]) {
    it(`full-NINR ReLU MLP 6-5-4-3, ${loss}`, async () => {
      const model: CurvatureModel = { net: network({ widths: [6, 5, 4, 3] }, [6], 3), loss };
      expect(model.net.sites).toHaveLength(3);
      const [G, H] = await bothBlocks(model, 3, 12);
      expect(G.length).toBe(5 + 4 + 3);
      expect(maxAbs(H)).toBeGreaterThan(1e-3);
      expect(maxDiff(G, H)).toBeLessThan(1e-10 * maxAbs(H));
    });
  }

  for (const [cninShape, noise] of [["chw", "gaussian"], ["hw", "gaussian"], ["chw", "correlated"]] as const) {
    it(`conv chain, cNINR at both conv sites (theta ${cninShape}, ${noise} noise)`, async () => {
      const model: CurvatureModel = { net: network({ model: "niwjac-conv", nin: "nin0,nin1", cninShape, noise, noiseLength: 1 }, [8, 8, 1], 3), loss: "softmax-ce" };
      const [G, H] = await bothBlocks(model, 5, 6);
      expect(G.length).toBe(cninShape === "chw" ? 64 + 2 * 16 : 64 + 16);
      expect(maxAbs(H)).toBeGreaterThan(1e-4);
      expect(maxDiff(G, H)).toBeLessThan(1e-9 * maxAbs(H));
      // Positive semidefinite, as a Gauss-Newton matrix must be.
      expect(Math.min(...symmetricEigen(G).values)).toBeGreaterThan(-1e-9 * maxAbs(H));
    });
  }
});

describe("the meter's lambda_niw", () => {
  it("is the same eigenvalue from the Jacobian and from HVPs (float32, 784-16-10 in-NINR and full-NINR)", async () => {
    for (const nin of ["input", "all"]) {
      const cfg = resolveConfig({ widths: [784, 16, 10], nin, sigma: 5 });
      const model: CurvatureModel = { net: buildNetwork(cfg, { inputShape: [784], classes: 10 }), loss: "softmax-ce" };
      const { params, state } = model.net.init(random.key(1));
      const x = random.uniform(random.key(2), [64, 784]);
      const y = nn.oneHot(np.array(new Int32Array(Array.from({ length: 64 }, (_, i) => i % 10))), 10).astype(np.float32);
      const opts = { which: { noise: false, hessian: false, niw: true }, iters: 30, tol: 1e-6, timeGradient: false, batches: 1 };
      const a = await measureCurvatureModel(model, params, state, [{ x: x.ref, y: y.ref }], { ...opts, niwJacobian: true });
      const b = await measureCurvatureModel(model, params, state, [{ x, y }], { ...opts, niwJacobian: false });
      expect(a.lambda_niw!).toBeGreaterThan(0);
      expect(Math.abs(a.lambda_niw! - b.lambda_niw!) / b.lambda_niw!).toBeLessThan(1e-4);
      tree.dispose(params);
    }
  });

  it("is used only where exact and affordable", () => {
    const mlp: CurvatureModel = { net: buildNetwork(resolveConfig({ widths: [784, 16, 10], nin: "input" }), { inputShape: [784], classes: 10 }), loss: "softmax-ce" };
    const resnet: CurvatureModel = { net: buildNetwork(resolveConfig({ model: "resnet18", width: 2, nin: "input" }), { inputShape: [8, 8, 1], classes: 2 }), loss: "softmax-ce" };
    const none: CurvatureModel = { net: buildNetwork(resolveConfig({ widths: [784, 16, 10], nin: "none" }), { inputShape: [784], classes: 10 }), loss: "softmax-ce" };
    const p = mlp.net.init(random.key(0)).params;
    expect(niwJacobianApplies(mlp, p, 256)).toBe(true);
    // B * C * P over the memory cap (64M floats): 1e6 * 10 * 16.
    expect(niwJacobianApplies(mlp, p, 1_000_000)).toBe(false);
    const pr = resnet.net.init(random.key(0)).params;
    expect(resnet.net.model.piecewiseLinear ?? false).toBe(false); // BatchNorm's batch statistics
    expect(niwJacobianApplies(resnet, pr, 8)).toBe(false);
    expect(niwJacobianApplies(none, none.net.init(random.key(0)).params, 8)).toBe(false);
    for (const t of [p, pr]) tree.dispose(t);
  });
});
