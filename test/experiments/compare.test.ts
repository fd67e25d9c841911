/**
 * The comparison's job expansion (docs/method.md §4.2): methods x models x inits x seeds, each
 * seed with its own sigmas, the fixed-level CDT rows and the labelled matched CDT; the presets'
 * invariants; where a run's holdout accuracy peaks.
 */
import { describe, expect, it } from "vitest";
import { COMPARE_PRESETS, compareCells, compareJobs, methodFamily, methodOrder, matchedCdt } from "../../src/experiments/compare.ts";
import { holdoutPeak } from "../../src/experiments/compareRun.ts";
import { type ChosenSigma, checkSigmaTolerance } from "../../src/experiments/compareSigmas.ts";
import type { WeightInit } from "../../src/engine/init.ts";
import type { Metric } from "../../src/train/loop.ts";
import { NinrError } from "../../src/errors.ts";

const FASHION = { inputShape: [28, 28, 1], classes: 10, range: [0, 1] as [number, number] };

/** Synthetic sigma choices: distinct per init and seed, so a job shows whose sigma it got. */
function fakeSigmas(model: string, inits: WeightInit[], seeds: number[]): ChosenSigma[] {
  const out: ChosenSigma[] = [];
  for (const [ii, init] of inits.entries())
    for (const seed of seeds)
      for (const nin of ["input", "all"] as const)
        for (const phase of ["decay", "catapult"] as const) {
          const sigma = (nin === "input" ? 100 : 25) * (phase === "decay" ? 1 : 1.5) * (1 + 0.1 * seed) / (1 + 4 * ii);
          out.push({ model, init, seed, nin, phase, target_k: phase === "decay" ? 1 : 3, sigma, k: (phase === "decay" ? 1 : 3) * (1 + 0.01 * seed), converged: seed !== 1, history: [{ sigma, k: 1 }] });
        }
  return out;
}

const PAPER_METHODS = [
  "vanilla", "L2 0.00001", "L2 0.0001", "L2 0.001", "Dropout 0.2", "Dropout 0.5", "CDT 0.1", "CDT 0.3", "CDT 0.5",
  "CDT matched (decay level)", "in-NINR decay", "in-NINR catapult", "full-NINR decay", "full-NINR catapult",
];

describe("compare job expansion", () => {
  const preset = { ...COMPARE_PRESETS.paper, models: ["mlp"], inits: ["pytorch", "he-normal"] as WeightInit[], seeds: [0, 1] };
  const sigmas = fakeSigmas("mlp", preset.inits, preset.seeds);

  it("every method x init x seed, one job each, with that seed's sigma and the same budget", async () => {
    const cells = await compareCells(preset, sigmas, 55000, FASHION);
    const jobs = compareJobs(preset, cells);
    expect(methodOrder(cells)).toEqual(PAPER_METHODS);
    expect(jobs).toHaveLength(PAPER_METHODS.length * 2 * 2);
    expect(new Set(jobs.map((j) => j.hash)).size).toBe(jobs.length);
    for (const init of preset.inits)
      for (const seed of preset.seeds) {
        const mine = jobs.filter((j) => j.spec.config.init === init && j.spec.config.seed === seed);
        expect(mine.map((j) => j.spec.method)).toEqual(PAPER_METHODS);
        for (const j of mine) {
          // Every method at the paper budget: full data, 50 epochs (MLP), eta 0.01, batch 64.
          expect(j.spec.config).toMatchObject({ model: "mlp", init, seed, epochs: 50, trainSize: 0, lr: 0.01, batch: 64 });
          expect(j.spec.gaussianModes).toEqual(["unclipped", "clipped"]);
        }
        for (const nin of ["input", "all"] as const)
          for (const phase of ["decay", "catapult"] as const) {
            const job = mine.find((j) => j.spec.method === `${nin === "input" ? "in" : "full"}-NINR ${phase}`)!;
            const want = sigmas.find((s) => s.init === init && s.seed === seed && s.nin === nin && s.phase === phase)!;
            expect(job.spec.config).toMatchObject({ nin, sigma: want.sigma });
            expect(job.spec.sigmaChoice).toEqual({ nin, phase, sigma: want.sigma, target_k: want.target_k, k: want.k, converged: want.converged });
          }
      }
  });

  it("fixed CDT rows at 0.1, 0.3, 0.5 and a labelled CDT matched to this seed's in-NINR decay sigma", async () => {
    const cells = await compareCells(preset, sigmas, 55000, FASHION);
    for (const s of [0.1, 0.3, 0.5]) {
      const rows = cells.filter((c) => c.method === `CDT ${s}`);
      expect(rows).toHaveLength(4);
      for (const r of rows) expect(r).toMatchObject({ family: "CDT", config: { nin: "none", cdt: s } });
    }
    const matched = cells.filter((c) => c.method === "CDT matched (decay level)");
    expect(matched).toHaveLength(4);
    for (const m of matched) {
      const dec = sigmas.find((s) => s.init === m.init && s.seed === m.seed && s.nin === "input" && s.phase === "decay")!;
      expect(m.family).toBe("CDT matched");
      expect(m.sigmaChoice).toMatchObject({ nin: "input", phase: "decay", sigma: dec.sigma });
      expect(m.config.cdt).toBe(await matchedCdt("mlp", dec.sigma, 0.01, FASHION, { init: m.init, seed: m.seed }));
    }
    // The match is made at each init's and seed's own initialization.
    expect(new Set(matched.map((m) => m.config.cdt)).size).toBe(4);
  });

  it("a missing sigma is a NinrError naming the cell", async () => {
    const partial = sigmas.filter((s) => !(s.init === "he-normal" && s.seed === 1 && s.nin === "all"));
    await expect(compareCells(preset, partial, 55000, FASHION)).rejects.toThrow(NinrError);
    await expect(compareCells(preset, partial, 55000, FASHION)).rejects.toThrow(/mlp init he-normal seed 1 full-NINR decay/);
  });

  it("a budget larger than the data means all of it", async () => {
    const q = { ...COMPARE_PRESETS.smoke, seeds: [0] };
    const cells = await compareCells(q, fakeSigmas("mlp", ["pytorch"], [0]), 500, FASHION);
    expect(cells.every((c) => c.config.trainSize === 0)).toBe(true);
    const cells2 = await compareCells(q, fakeSigmas("mlp", ["pytorch"], [0]), 900, FASHION);
    expect(cells2.every((c) => c.config.trainSize === 640)).toBe(true);
    expect(methodOrder(cells2)).toEqual(["vanilla", "L2 0.0001", "Dropout 0.2", "CDT 0.3", "CDT matched (decay level)", "in-NINR decay", "in-NINR catapult", "full-NINR decay", "full-NINR catapult"]);
  });
});

describe("compare presets", () => {
  it("lead with the unclipped grid, clipped beside it; pytorch init by default; a tolerance that keeps decay and catapult apart", () => {
    for (const p of Object.values(COMPARE_PRESETS)) {
      expect(p.robustness.gaussianModes, p.name).toEqual(["unclipped", "clipped"]);
      expect(p.inits, p.name).toEqual(["pytorch"]);
      expect(() => checkSigmaTolerance(p.sigmaSearch.tol), p.name).not.toThrow();
      expect(p.cdtMatched, p.name).toEqual(["decay"]);
    }
    expect(COMPARE_PRESETS.paper.sigmaSearch.tol).toBeLessThanOrEqual(0.25);
    expect(COMPARE_PRESETS.paper.lr).toBe(0.01);
    expect(COMPARE_PRESETS.paper.budget.mlp.epochs).toBeGreaterThanOrEqual(20);
    expect(COMPARE_PRESETS.paper.cdt).toEqual([0.1, 0.3, 0.5]);
    expect(COMPARE_PRESETS.quick.cdt).toEqual([0.1, 0.3, 0.5]);
  });
});

describe("methodFamily", () => {
  it("names the grid of a row, or the row itself", () => {
    expect(methodFamily("L2 0.00001")).toBe("L2");
    expect(methodFamily("Dropout 0.5")).toBe("Dropout");
    expect(methodFamily("CDT 0.3")).toBe("CDT");
    expect(methodFamily("CDT matched (decay level)")).toBe("CDT matched");
    expect(methodFamily("CDT (decay level)")).toBeNull(); // the old label: neither a fixed level nor labelled as matched
    expect(methodFamily("full-NINR catapult")).toBe("full-NINR catapult");
    expect(methodFamily("vanilla")).toBe("vanilla");
    expect(methodFamily("something else")).toBeNull();
  });
});

describe("holdoutPeak", () => {
  const ep = (epoch: number, holdout: number | null): Metric => ({ kind: "epoch", epoch, step: 10 * (epoch + 1), train_loss: 1, train_acc: 0.5, test_loss: 1, test_acc: 0.5, holdout_loss: 1, holdout_acc: holdout, niw_norm: [], coupling: [], seconds: 1 });
  const step: Metric = { kind: "step", step: 0, epoch: 0, loss: 2, acc: 0.9, niw_norm: [], coupling: [] };
  it("the 1-based epoch of the highest holdout accuracy, the first on ties", () => {
    expect(holdoutPeak([step, ep(0, 0.7), ep(1, 0.82), ep(2, 0.85), ep(3, 0.85), ep(4, 0.84)])).toEqual({ peak_epoch: 3, peak_holdout_acc: 0.85, epochs_run: 5 });
  });
  it("the last epoch when still rising; non-finite values skipped; null without a holdout", () => {
    expect(holdoutPeak([ep(0, 0.5), ep(1, NaN), ep(2, 0.6)])).toEqual({ peak_epoch: 3, peak_holdout_acc: 0.6, epochs_run: 3 });
    expect(holdoutPeak([ep(0, null), ep(1, null)])).toEqual({ peak_epoch: null, peak_holdout_acc: null, epochs_run: 2 });
    expect(holdoutPeak([])).toEqual({ peak_epoch: null, peak_holdout_acc: null, epochs_run: 0 });
  });
});
