/**
 * The shifted test domain (src/experiments/domainShift.ts, docs/method.md §4.5): pure and seeded,
 * per-image (chunk-invariant), inside the data range; the gamma curves in closed form; elastic = the
 * identity at alpha 0, and on a ramp image a smooth displacement field of the documented size
 * (not pixel noise); the evaluation on a small trained synthetic model.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.ts";
import { syntheticDataset } from "../../src/data/synthetic.ts";
import {
  DOMAIN_SHIFT_NAMES,
  applicableShifts,
  elasticShift,
  evaluateDomainShift,
  gammaShift,
  shiftImages,
  shiftedTestSet,
} from "../../src/experiments/domainShift.ts";
import { evaluate } from "../../src/train/evaluate.ts";
import { disposeResult, train } from "../../src/train/loop.ts";
import { prepareData } from "../../src/train/prepare.ts";

const INFO = { name: "fashion-like", inputShape: [28, 28, 1], range: [0, 1] as [number, number] };

/** n 28x28 images with a horizontal ramp x / 27 (so a sampled value tells the x it came from). */
function ramps(n: number): Float32Array {
  const out = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) out[i * 784 + y * 28 + x] = x / 27;
  return out;
}

describe("domain shifts", () => {
  it("are pure, seeded and per image, and stay in the data range", () => {
    const ds = syntheticDataset({ shape: [28, 28, 1], classes: 3, nTrain: 3, nTest: 12, seed: 1 });
    const before = ds.test.images.slice();
    for (const name of DOMAIN_SHIFT_NAMES) {
      const a = shiftImages(ds, ds.test.images, name, 3);
      expect(ds.test.images).toEqual(before);
      expect(shiftImages(ds, ds.test.images, name, 3)).toEqual(a);
      expect(a.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(a).not.toEqual(before);
      // The first 4 images alone get exactly what they get in the whole set.
      expect(shiftImages(ds, ds.test.images.subarray(0, 4 * 784), name, 3)).toEqual(a.subarray(0, 4 * 784));
      const set = shiftedTestSet(ds, name, 3);
      expect(set.images).toEqual(a);
      expect(set.labels).toBe(ds.test.labels);
      expect(set.n).toBe(12);
    }
    expect(shiftImages(ds, ds.test.images, "elastic", 4)).not.toEqual(shiftImages(ds, ds.test.images, "elastic", 3));
    expect(shiftImages(ds, ds.test.images, "gamma_dark", 4)).toEqual(shiftImages(ds, ds.test.images, "gamma_dark", 3)); // deterministic
    expect(() => shiftImages(ds, ds.test.images, "fog")).toThrow(/unknown domain shift 'fog'/);
  });

  it("gamma_dark / gamma_light are the tone curves lo + (hi - lo) u^2 and u^0.5 on the range", () => {
    const v = Float32Array.from([0, 0.25, 0.5, 1, 0.04]);
    expect(Array.from(shiftImages(INFO, v, "gamma_light"))).toEqual([0, 0.5, Math.fround(Math.sqrt(0.5)), 1, Math.fround(0.2)]);
    expect(Array.from(shiftImages(INFO, v, "gamma_dark"))).toEqual([0, 0.0625, 0.25, 1, Math.fround(Math.fround(0.04) ** 2)]);
    // On another range: [-1, 1], u = (x + 1) / 2.
    expect(Array.from(gammaShift(Float32Array.from([-1, 0, 1]), [-1, 1], 0.5))).toEqual([-1, Math.fround(-1 + 2 * Math.sqrt(0.5)), 1]);
    // Vector data: gamma applies, elastic needs images.
    const vec = { name: "vec", inputShape: [5], range: [0, 1] as [number, number] };
    expect(applicableShifts(vec)).toEqual(["gamma_dark", "gamma_light"]);
    expect(applicableShifts(INFO)).toEqual(["elastic", "gamma_dark", "gamma_light"]);
    expect(() => shiftImages(vec, v, "elastic")).toThrow(/not images/);
  });

  it("elastic: identity at alpha 0; on ramps a smooth field of about 1.4 px RMS (Simard's alpha 34, sigma 4)", () => {
    const src = ramps(40);
    expect(elasticShift(src, { h: 28, w: 28, c: 1 }, [0, 1], 9, { alpha: 0 })).toEqual(src);
    const out = shiftImages(INFO, src, "elastic", 9);
    // Interior pixels sample the ramp inside the image, so out * 27 is the source column: dx = out * 27 - x.
    let sum2 = 0;
    let count = 0;
    let prod = 0;
    let prodCount = 0;
    for (let i = 0; i < 40; i++)
      for (let y = 6; y < 22; y++)
        for (let x = 6; x < 21; x++) {
          const d = out[i * 784 + y * 28 + x] * 27 - x;
          const dn = out[i * 784 + y * 28 + x + 1] * 27 - (x + 1);
          sum2 += d * d;
          count++;
          prod += d * dn;
          prodCount++;
        }
    const rms = Math.sqrt(sum2 / count);
    expect(rms).toBeGreaterThan(0.8);
    expect(rms).toBeLessThan(2.2);
    // Neighbouring displacements are nearly equal: a smooth warp, not independent pixel noise.
    expect(prod / prodCount / (sum2 / count)).toBeGreaterThan(0.9);
  });

  it("evaluates a trained model on each shifted domain, beside its clean accuracy", async () => {
    const ds = syntheticDataset({ shape: [8, 8, 1], classes: 3, nTrain: 300, nTest: 90, noise: 0.3, seed: 2 });
    const cfg = resolveConfig({ dataset: "synthetic", widths: [64, 16, 3], lr: 0.1, batch: 30, epochs: 3, holdout: 0, seed: 1 });
    const run = await train(cfg, ds, prepareData(ds, cfg));
    const model = { fns: run.fns, params: run.params, state: run.state };
    const rows = await evaluateDomainShift(model, ds, ds.test, { seed: 5 });
    const clean = await evaluate(run.fns, run.params, run.state, ds, ds.test);
    expect(rows.map((r) => r.shift)).toEqual(["elastic", "gamma_dark", "gamma_light"]);
    for (const r of rows) {
      expect(r.clean_acc).toBe(clean.acc);
      expect(r.n).toBe(90);
      expect(r.acc >= 0 && r.acc <= 1).toBe(true);
      const direct = await evaluate(run.fns, run.params, run.state, ds, shiftedTestSet(ds, r.shift, 5));
      expect(r.acc).toBe(direct.acc);
      expect(r.loss).toBeCloseTo(direct.loss, 10);
    }
    expect(clean.acc).toBeGreaterThan(0.8);
    await expect(evaluateDomainShift(model, ds, ds.test, { shifts: ["nope"] })).rejects.toThrow(/unknown domain shift/);
    disposeResult(run);
  });
});
