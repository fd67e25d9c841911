/** Grid expansion: pure pieces of the E1 experiment (phase bands and aggregation: test/node/report/). */
import { describe, expect, it } from "vitest";
import { logGrid, phaseJobs, PHASES_PRESETS, traceSteps } from "../../src/experiments/phases.ts";

describe("phase grid", () => {
  it("logGrid has perDecade points a decade, endpoints included", () => {
    expect(logGrid(-1, 3, 3)).toEqual([0.1, 0.215, 0.464, 1, 2.15, 4.64, 10, 21.5, 46.4, 100, 215, 464, 1000]);
  });
  it("traceSteps is dense early and ends at the last step", () => {
    expect(traceSteps(100)).toEqual([0, 2, 5, 10, 20, 35, 60, 100]);
  });
  it("jobs cap the training budget at the data and hash distinctly per sigma and seed", () => {
    const jobs = phaseJobs({ ...PHASES_PRESETS.quick, seeds: [0, 1] }, { inputShape: [28, 28, 1], classes: 10 }, { fitSize: 900, sigmas: [1, 10] });
    expect(jobs).toHaveLength(4);
    expect(jobs[0].spec.config.trainSize).toBe(900);
    expect(new Set(jobs.map((j) => JSON.stringify(j))).size).toBe(4);
    expect(new Set(jobs.map((j) => j.hash)).size).toBe(4);
  });
});
