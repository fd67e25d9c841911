/**
 * The shared sigma meter of src/dynamics/kOfSigma.ts against its oracle, a fresh one-off
 * measureCurvature at each sigma (eager products, its own meter): one compiled meter must give
 * the same k at every sigma, whatever was measured before, for white noise on an MLP and a
 * structured field noise on a CNN.
 */
import { describe, expect, it } from "vitest";
import { random, tree } from "@jax-js/jax";
import { resolveConfig } from "../../src/config.ts";
import { syntheticDataset } from "../../src/data/synthetic.ts";
import { registerDataset } from "../../src/data/registry.ts";
import { curvatureBatches, curvatureModelFor, makeCurvatureMeter, measureCurvature } from "../../src/dynamics/curvature.ts";
import { kOfSigma, makeSigmaMeter } from "../../src/dynamics/kOfSigma.ts";
import { buildNetwork } from "../../src/models/network.ts";
import { initialParams } from "../../src/train/loop.ts";

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const DATA = syntheticDataset({ shape: [8, 8, 2], classes: 3, nTrain: 64, nTest: 16, seed: 2 });
registerDataset({ name: "synthetic-ksigma", description: "test data", load: () => ({ ...DATA, name: "synthetic-ksigma" }) });
const budget = { batches: 2, batchSize: 16, iters: 6 };

async function oneOff(cfg: ReturnType<typeof resolveConfig>, sigma: number, seed: number, params: Parameters<typeof measureCurvature>[2], state: Parameters<typeof measureCurvature>[3]) {
  const r = await measureCurvature({ ...cfg, sigma }, DATA, params, state, DATA.train, { ...budget, seed, which: { noise: true, hessian: false, niw: false }, timeGradient: false });
  return r.k!;
}

describe("makeSigmaMeter: one compiled meter for every sigma", () => {
  for (const [model, noise, nin, sigmas] of [
    ["mlp", "gaussian", "input", [0.3, 3, 30]],
    ["cnn", "correlated", "nin0", [0.3, 3]],
  ] as const)
    it(`${model} with ${noise} noise: k at each sigma equals a fresh measurement, in any order`, async () => {
      const cfg = resolveConfig({ dataset: "synthetic-ksigma", model, nin, noise, sigma: 1, lr: 0.05, batch: 16, ...(model === "mlp" ? { widths: [128, 16, 3] } : {}) });
      const { params, state } = initialParams(cfg, DATA);
      const meter = makeSigmaMeter(cfg, DATA, params, state, DATA.train, budget);
      try {
        const up: number[] = [];
        for (const s of sigmas) up.push(await meter.k(s, 7));
        const down = [];
        for (const s of [...sigmas].reverse()) down.push(await meter.k(s, 7));
        down.reverse();
        for (let i = 0; i < sigmas.length; i++) {
          const ref = await oneOff(cfg, sigmas[i], 7, params, state);
          expect(ref).toBeGreaterThan(0);
          expect(rel(up[i], ref)).toBeLessThan(2e-3);
          expect(rel(down[i], up[i])).toBeLessThan(1e-5);
        }
        // k grows with sigma (the search relies on it), roughly as sigma^2 at small sigma.
        expect(up[1]).toBeGreaterThan(up[0] * 10);
        if (up.length > 2) expect(up[2]).toBeGreaterThan(up[1]);
        // Another seed draws other batches and noise: another number.
        expect(rel(await meter.k(3, 8), up[1])).toBeGreaterThan(1e-6);
      } finally {
        meter.dispose();
        tree.dispose(params);
        tree.dispose(state);
      }
    });

  it("kOfSigma numbers its calls' seeds and can be disposed", async () => {
    const cfg = resolveConfig({ dataset: "synthetic-ksigma", model: "mlp", widths: [128, 16, 3], nin: "input", sigma: 1, lr: 0.05, batch: 16 });
    const { params, state } = initialParams(cfg, DATA);
    const seeds: number[] = [];
    const measure = kOfSigma(cfg, DATA, params, state, DATA.train, { ...budget, seed: (i) => (seeds.push(i), 100 + i) });
    const a = await measure(2);
    const b = await measure(2);
    expect(seeds).toEqual([0, 1]);
    expect(rel(a, await oneOff(cfg, 2, 100, params, state))).toBeLessThan(2e-3);
    expect(rel(b, await oneOff(cfg, 2, 101, params, state))).toBeLessThan(2e-3);
    measure.dispose();
    tree.dispose([params, state]);
  });

  it("a meter refuses another network's noise at eps = 0, and a network with other sites", async () => {
    const cfg = resolveConfig({ dataset: "synthetic-ksigma", model: "mlp", widths: [128, 16, 3], nin: "input", sigma: 1, lr: 0.05, batch: 16 });
    const { params, state } = initialParams(cfg, DATA);
    const data = curvatureBatches(DATA, DATA.train, 1, 16, 0);
    const zero = makeCurvatureMeter(curvatureModelFor(cfg, DATA), { at: "zero", which: { noise: true, hessian: false, niw: false }, timeGradient: false });
    await expect(zero.measure(params, state, data, { noise: buildNetwork({ ...cfg, sigma: 2 }, DATA) })).rejects.toThrow(/sampled noise mode/);
    const meter = makeCurvatureMeter(curvatureModelFor(cfg, DATA), { which: { noise: true, hessian: false, niw: false }, timeGradient: false });
    await expect(meter.measure(params, state, data, { noise: buildNetwork({ ...cfg, nin: "all" }, DATA) })).rejects.toThrow(/sites differ/);
    zero.dispose();
    meter.dispose();
    tree.dispose([params, state, data as never]);
    random.key(0).dispose();
  });
});
