/** Aggregation of the E2 comparison report (src/node/report/compareReport.ts). */
import { describe, expect, it } from "vitest";
import { aggregateCompare } from "../../../src/node/report/compareReport.ts";
import type { RobustnessSummary } from "../../../src/experiments/robustness.ts";

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
