/** Phase bands and summaries of the E1 report (src/node/report/phasesReport.ts). */
import { describe, expect, it } from "vitest";
import { phaseBands, summarizePhases } from "../../../src/node/report/phasesReport.ts";
import type { PhaseRecord } from "../../../src/experiments/phaseRun.ts";

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
