/**
 * Phase prediction thresholds (docs/method.md §2) and the sigma search for a target k (docs/method.md §6), the latter
 * on synthetic k(sigma) curves whose sigma^2 extrapolation overestimates k (as docs/method.md §2.7 warns).
 */
import { describe, expect, it } from "vitest";
import { K_CEILING_LINEAR, K_CEILING_RELU, TARGET_K, predictPhase, sigmaFor } from "../../src/dynamics/predict.ts";
import { NinrError } from "../../src/errors.ts";

describe("predictPhase", () => {
  it("applies the docs/method.md §2 thresholds", () => {
    const steps = 1000;
    expect(predictPhase({ k: 0.001, steps })).toBe("decoupled"); // k * steps = 1 < 3
    expect(predictPhase({ k: 0.0031, steps })).toBe("decay");
    expect(predictPhase({ k: 1.99, steps })).toBe("decay");
    expect(predictPhase({ k: 2, steps })).toBe("catapult");
    expect(predictPhase({ k: 11.9, steps })).toBe("catapult");
    expect(predictPhase({ k: 12, steps })).toBe("divergent");
    expect(predictPhase({ k: Infinity, steps })).toBe("divergent");
    expect(predictPhase({ k: 0, steps })).toBe("decoupled");
  });

  it("takes the ceiling (4 for the linear model) and the decoupling product as options", () => {
    expect(K_CEILING_RELU).toBe(12);
    expect(predictPhase({ k: 3.9, steps: 100, ceiling: K_CEILING_LINEAR })).toBe("catapult");
    expect(predictPhase({ k: 4, steps: 100, ceiling: K_CEILING_LINEAR })).toBe("divergent");
    expect(predictPhase({ k: 0.05, steps: 100 })).toBe("decay"); // 5 > 3
    expect(predictPhase({ k: 0.05, steps: 100, decoupledKSteps: 10 })).toBe("decoupled");
    // A short run cannot show the decay, but a catapult-sized k still acts within a step or two.
    expect(predictPhase({ k: 2.5, steps: 1 })).toBe("decoupled");
    expect(predictPhase({ k: 2.5, steps: 2 })).toBe("catapult");
  });

  it("rejects NaN k, bad steps and a ceiling below the catapult onset", () => {
    expect(() => predictPhase({ k: NaN, steps: 10 })).toThrow(NinrError);
    expect(() => predictPhase({ k: 1, steps: -1 })).toThrow(NinrError);
    expect(() => predictPhase({ k: 1, steps: 10, ceiling: 2 })).toThrow(NinrError);
  });
});

describe("sigmaFor", () => {
  /** k grows as sigma^2 at small sigma and only as sigma beyond s0: sigma^2 scaling overestimates. */
  const synthetic = (c: number, s0: number) => (sigma: number) => (c * sigma * sigma) / (1 + sigma / s0);

  for (const [c, s0] of [
    [1e-3, 10],
    [1e-4, 30],
    [0.5, 0.2],
  ]) {
    for (const target of [TARGET_K.decay, TARGET_K.catapult]) {
      it(`converges on k = ${c} sigma^2 / (1 + sigma/${s0}) for target k = ${target}`, async () => {
        const k = synthetic(c, s0);
        const calls: number[] = [];
        const r = await sigmaFor(target, async (s) => (calls.push(s), k(s)), { tol: 0.05 });
        expect(r.converged).toBe(true);
        expect(Math.abs(r.k / target - 1)).toBeLessThanOrEqual(0.05);
        expect(r.k).toBeCloseTo(k(r.sigma), 12);
        expect(r.history.map((h) => h.sigma)).toEqual(calls);
        expect(r.history.length).toBeLessThanOrEqual(8);
        // The first guess from sigma^2 scaling overshoots here (k grows slower than sigma^2).
        if (r.history.length > 1) expect(r.history[1].k).toBeLessThan(target);
      });
    }
  }

  it("is exact in one refinement for pure sigma^2 scaling", async () => {
    const r = await sigmaFor(1, async (s) => 0.02 * s * s, { tol: 1e-6 });
    expect(r.converged).toBe(true);
    expect(r.history).toHaveLength(2);
    expect(r.sigma).toBeCloseTo(Math.sqrt(50), 9);
  });

  it("copes with noisy measurements (5% multiplicative noise, 15% tolerance)", async () => {
    let state = 12345;
    const noise = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return 1 + 0.05 * (2 * (state / 2 ** 31) - 1);
    };
    const k = synthetic(1e-3, 10);
    const r = await sigmaFor(3, async (s) => k(s) * noise(), { tol: 0.15 });
    expect(r.converged).toBe(true);
    expect(Math.abs(k(r.sigma) / 3 - 1)).toBeLessThan(0.25);
  });

  it("returns the best measurement, unconverged, when the budget runs out or a bound is hit", async () => {
    const r = await sigmaFor(3, async (s) => (1e-3 * s * s) / (1 + s / 10), { maxMeasurements: 2 });
    expect(r.converged).toBe(false);
    expect(r.history).toHaveLength(2);
    const capped = await sigmaFor(100, async (s) => Math.min(1, s), { sigmaMax: 50 });
    expect(capped.converged).toBe(false);
    expect(capped.k).toBe(1);
  });

  it("validates its arguments", async () => {
    await expect(sigmaFor(0, async () => 1)).rejects.toThrow(NinrError);
    await expect(sigmaFor(1, async () => NaN)).rejects.toThrow(NinrError);
    await expect(sigmaFor(1, async () => 1, { sigma0: 1e6 })).rejects.toThrow(NinrError);
  });
});
