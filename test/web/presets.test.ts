/**
 * The playground presets (web/src/presets.ts): each target k predicts its own phase, the sigma
 * search lands on the target for a closed-form k(sigma) (k = c sigma^2, the leading-order law of
 * docs/method.md §2), and on the real sample at initialization the decay preset's measured k is
 * within the search tolerance of its target.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { K_CATAPULT, K_CEILING_RELU, predictPhase } from "../../src/dynamics/predict.ts";
import { PLAYGROUND } from "../../web/src/liveRun.ts";
import { PRESET_RECIPES, PRESET_SEARCH, kMeter, predictedForPreset, presetBase, presetSettings, presetTargetK, searchPresetSigma } from "../../web/src/presets.ts";
import { sampleDataset } from "../../web/src/sample.ts";
import { DEFAULT_SETTINGS, FIELDS, PRESET_NAMES, parseState, serializeState } from "../../web/src/state.ts";

describe("playground presets", () => {
  it.each(PRESET_NAMES)("the %s target k predicts that phase at every run length", (preset) => {
    for (const steps of [FIELDS.steps.min, DEFAULT_SETTINGS.steps, FIELDS.steps.max]) {
      const k = presetTargetK(preset, steps);
      expect(predictPhase({ k, steps, ceiling: K_CEILING_RELU })).toBe(preset);
      // With the search tolerance either way, the prediction still holds.
      for (const f of [1 - PRESET_SEARCH.tol, 1 + PRESET_SEARCH.tol]) expect(predictedForPreset(k * f, steps)).toBe(preset);
    }
    expect(PLAYGROUND.ceiling).toBe(K_CEILING_RELU);
    expect(presetTargetK("catapult", 200)).toBeGreaterThanOrEqual(K_CATAPULT);
  });

  it.each([1e-4, 3e-3, 0.2])("the search finds sigma for each target when k = %s * sigma^2", async (c) => {
    for (const preset of PRESET_NAMES) {
      const target = presetTargetK(preset, 200);
      const calls: number[] = [];
      const r = await searchPresetSigma(preset, 200, async (s) => {
        calls.push(s);
        return c * s * s;
      });
      const exact = Math.sqrt(target / c);
      if (exact < FIELDS.sigma.min || exact > FIELDS.sigma.max) continue; // unreachable in range: nothing to find
      expect(r.converged).toBe(true);
      expect(Math.abs(r.k / target - 1)).toBeLessThanOrEqual(PRESET_SEARCH.tol);
      expect(calls.length).toBeLessThanOrEqual(PRESET_SEARCH.maxMeasurements);
      expect(calls.every((s) => s >= FIELDS.sigma.min && s <= FIELDS.sigma.max)).toBe(true);
    }
  });

  it("presetSettings applies the recipe with NINs, keeps seed, noise and test noise, and clamps sigma into range", () => {
    const base = { ...DEFAULT_SETTINGS, placement: "none" as const, noise: "uniform" as const, seed: 7, testNoise: 0.5 };
    for (const preset of PRESET_NAMES) {
      const s = presetSettings(base, preset, 12.3456);
      expect(s).toEqual({ ...base, ...PRESET_RECIPES[preset].settings, sigma: 12.3, preset });
      expect(s.placement).not.toBe("none");
      expect(parseState(serializeState(s)).notices).toEqual([]);
    }
    expect(presetSettings(base, "divergent", 1e9).sigma).toBe(FIELDS.sigma.max);
    expect(presetSettings(base, "decoupled", 0).sigma).toBe(FIELDS.sigma.min);
  });

  it("on the bundled sample the decay preset's sigma measures its target k within tolerance at initialization", async () => {
    const dir = fileURLToPath(new URL("../../data/sample/", import.meta.url));
    const rd = (f: string) => readFileSync(dir + f);
    const ds = await sampleDataset({ trainImages: rd("train-images-idx3-ubyte.gz"), trainLabels: rd("train-labels-idx1-ubyte.gz"), testImages: rd("t10k-images-idx3-ubyte.gz"), testLabels: rd("t10k-labels-idx1-ubyte.gz") });
    expect(ds.train.n).toBe(1000);
    const base = presetBase(DEFAULT_SETTINGS, "decay");
    const m = kMeter(base, ds);
    try {
      const r = await searchPresetSigma("decay", base.steps, m.measure);
      const target = presetTargetK("decay", base.steps);
      expect(r.converged).toBe(true);
      expect(Math.abs(r.k / target - 1)).toBeLessThanOrEqual(PRESET_SEARCH.tol);
      expect(predictedForPreset(r.k, base.steps)).toBe("decay");
      // k grows with sigma along the search (the search's assumption, measured).
      const h = [...r.history].sort((a, b) => a.sigma - b.sigma);
      for (let i = 1; i < h.length; i++) expect(h[i].k).toBeGreaterThan(h[i - 1].k);
    } finally {
      m.dispose();
    }
  });
});
