/** Grid expansion, phase bands and aggregation: pure pieces of the E1/E2 experiments. */
import { describe, expect, it } from "vitest";
import { logGrid, phaseJobs, PHASES_PRESETS, traceSteps } from "../../src/experiments/phases.ts";
import { phaseBands, summarizePhases } from "../../src/report/phasesReport.ts";
import { aggregateCompare } from "../../src/report/compareReport.ts";
import type { PhaseRecord } from "../../src/experiments/phaseRun.ts";
import type { RobustnessSummary } from "../../src/experiments/robustness.ts";

describe("phase grid", () => {
  it("logGrid has perDecade points a decade, endpoints included", () => {
    expect(logGrid(-1, 3, 3)).toEqual([0.1, 0.215, 0.464, 1, 2.15, 4.64, 10, 21.5, 46.4, 100, 215, 464, 1000]);
  });
  it("traceSteps is dense early and ends at the last step", () => {
    expect(traceSteps(100)).toEqual([0, 2, 5, 10, 20, 35, 60, 100]);
  });
  it("jobs cap the training budget at the data and hash distinctly per sigma and seed", () => {
    const jobs = phaseJobs({ ...PHASES_PRESETS.quick, seeds: [0, 1] }, { fitSize: 900, sigmas: [1, 10] });
    expect(jobs).toHaveLength(4);
    expect((jobs[0].args.config as { trainSize: number }).trainSize).toBe(900);
    expect(new Set(jobs.map((j) => JSON.stringify(j))).size).toBe(4);
  });
});

const rec = (sigma: number, predicted: string, observed: string): PhaseRecord =>
  ({ model: "mlp", sigma, seed: 0, predicted_phase: predicted, observed_phase: observed }) as PhaseRecord;

describe("phase summaries", () => {
  it("bands join neighbouring points of the same phase, split halfway in log sigma", () => {
    const b = phaseBands([
      { sigma: 1, phase: "decoupled" },
      { sigma: 10, phase: "decoupled" },
      { sigma: 100, phase: "decay" },
    ]);
    expect(b.map((x) => x.phase)).toEqual(["decoupled", "decay"]);
    expect(b[0].to).toBeCloseTo(Math.sqrt(1000), 9);
    expect(b[1].from).toBeCloseTo(Math.sqrt(1000), 9);
  });
  it("agreement and phase order", () => {
    const s = summarizePhases([rec(1, "decoupled", "decoupled"), rec(10, "decay", "decay"), rec(100, "catapult", "decay"), rec(1000, "divergent", "divergent")]);
    expect(s.agreement).toBe(0.75);
    expect(s.observed_phases_in_sigma_order).toEqual(["decoupled", "decay", "divergent"]);
    expect(s.ordered).toBe(true);
    expect(summarizePhases([rec(1, "decay", "decay"), rec(10, "decay", "decoupled")]).ordered).toBe(false);
  });
});

describe("comparison aggregation", () => {
  const rob = (acc: number): RobustnessSummary => ({
    clean_acc: acc,
    corruption_mean_acc: acc - 0.1,
    per_corruption: { blur: acc - 0.1 },
    gaussian_clipped: { "0": acc, "0.5": acc - 0.2 },
    gaussian_unclipped: { "0": acc },
    relative_corruption_error: null,
    baseline: null,
  });
  const run = (method: string, seed: number, acc: number) => ({ method, model: "mlp", seed, sigma: null, cdt: null, clean_test_acc: acc, diverged: false, robustness: rob(acc) });
  it("means, sample std and error relative to vanilla of the same seed", () => {
    const rows = aggregateCompare([run("vanilla", 0, 0.8), run("vanilla", 1, 0.9), run("NINR", 0, 0.85), run("NINR", 1, 0.95)], ["vanilla", "NINR"]);
    expect(rows.map((r) => r.method)).toEqual(["vanilla", "NINR"]);
    const ninr = rows[1];
    expect(ninr.clean_acc_mean).toBeCloseTo(0.9, 12);
    expect(ninr.clean_acc_std).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(ninr.gaussian_acc["0.5"]).toBeCloseTo(0.7, 12);
    // corruption errors: vanilla 0.3, 0.2; NINR 0.25, 0.15 -> mean(0.25/0.3, 0.15/0.2)
    expect(ninr.relative_corruption_error).toBeCloseTo((0.25 / 0.3 + 0.15 / 0.2) / 2, 12);
  });
});
