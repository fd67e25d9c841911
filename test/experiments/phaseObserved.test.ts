/**
 * Observed phases on real (tiny) runs: a phase job (E1) on 8x8 synthetic images, and the
 * `ninr train` phase record (src/dynamics/phaseSummary.ts) classified from the run's own metrics.
 * Oracles: one k0 per run (the record's k is the trace's k at t = 0, exactly); NIWs with a
 * negligible noise scale do not move (decoupled); a run stopped on divergence is divergent.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.ts";
import { syntheticDataset } from "../../src/data/synthetic.ts";
import { registerDataset } from "../../src/data/registry.ts";
import { OBSERVED_PHASES, OBSERVED_THRESHOLDS, classifyTrajectory, seriesFromMetrics } from "../../src/dynamics/classify.ts";
import { measureStart, phaseSummary } from "../../src/dynamics/phaseSummary.ts";
import { type PhaseJobSpec, type PhaseRecord, type PhaseTrace, runPhaseJob } from "../../src/experiments/phaseRun.ts";
import type { JobEnv } from "../../src/experiments/record.ts";
import type { CurvatureResult } from "../../src/dynamics/curvature.ts";
import { disposeResult, train } from "../../src/train/loop.ts";
import { prepareData } from "../../src/train/prepare.ts";

const DATA = { ...syntheticDataset({ shape: [8, 8, 1], classes: 3, nTrain: 256, nTest: 96, seed: 5 }), name: "synthetic-observed" };
registerDataset({ name: "synthetic-observed", description: "test data", load: () => DATA });
const env: JobEnv = { dataset: () => DATA, runtime: { node: "test", wasm_threads: 0 } };
const base = { dataset: "synthetic-observed", model: "mlp", widths: [64, 16, 3], nin: "input", lr: 0.05, batch: 32, epochs: 1, holdout: 0, seed: 1 };

function spec(sigma: number): PhaseJobSpec {
  return {
    config: { ...base, sigma },
    traceSteps: [0, 4, 8], // 256 images / batch 32 = 8 steps
    initCurvature: { batches: 1, batchSize: 32, iters: 5 },
    traceCurvature: { batchSize: 32, iters: 4 },
    testSubset: 64,
    ceiling: 12,
  };
}

describe("the phase job's record", () => {
  it("has one k0: the record's k is the trace's k at t = 0, and the observed phase reads the run's series", async () => {
    const r = await runPhaseJob(spec(0.3), env);
    const rec = r.summary.phase as PhaseRecord;
    const trace = r.files["trace.json"] as PhaseTrace;
    const init = r.files["curvature.json"] as CurvatureResult;
    expect(trace.t).toEqual([0, 4, 8]);
    expect(rec.k).toBeGreaterThan(0);
    expect(trace.k[0]).toBe(rec.k);
    expect(init.k).toBe(rec.k);
    expect(OBSERVED_PHASES).toContain(rec.observed_phase);
    expect(typeof rec.near_chance).toBe("boolean");
    expect(rec.classes).toBe(3);
    // The same classifier on the run's metrics and k trace gives the record's phase and facts.
    const again = classifyTrajectory({ steps: rec.steps, classes: 3, diverged: rec.diverged, finalAcc: rec.clean_test_acc, ...seriesFromMetrics(r.metrics), k: { step: trace.t, value: trace.k } });
    expect(again.phase).toBe(rec.observed_phase);
    expect(again.facts.theta_change).toBe(rec.theta_change);
    // Decay times are inside the run or null with a reason.
    for (const [time, note] of [[rec.niw_decay_time, rec.niw_decay_note], [rec.train_loss_decay_time, rec.train_loss_decay_note], [rec.test_loss_decay_time, rec.test_loss_decay_note]] as const) {
      if (time === null) expect(note).toMatch(/./);
      else expect(time).toBeLessThanOrEqual(OBSERVED_THRESHOLDS.withinRunFraction * rec.steps);
    }
  });

  it("NIWs with a negligible noise scale are observed decoupled; a huge one diverges", async () => {
    const quiet = (await runPhaseJob(spec(1e-4), env)).summary.phase as PhaseRecord;
    expect(quiet.observed_phase, quiet.classifier_reason).toBe("decoupled");
    expect(quiet.theta_change!).toBeLessThan(1e-3);
    const wild = (await runPhaseJob(spec(3e4), env)).summary.phase as PhaseRecord;
    expect(wild.observed_phase, wild.classifier_reason).toBe("divergent");
    expect(wild.niw_decay_time).toBeNull();
  });
});

describe("the ninr train phase record", () => {
  it("classifies from the run's step metrics, and says unresolved without them", async () => {
    const cfg = resolveConfig({ ...base, sigma: 1e-4 });
    const data = prepareData(DATA, cfg);
    let init: CurvatureResult | null = null;
    const result = await train(cfg, DATA, data, { onStart: async (p, s) => void (init = await measureStart(cfg, DATA, p, s, data.train)) });
    try {
      const end = { params: result.params, state: result.state, steps: result.steps, diverged: result.diverged, finalTrainLoss: result.finalTrainLoss, finalAcc: result.test.acc };
      const withMetrics = await phaseSummary(cfg, DATA, data.train, { ...end, metrics: result.metrics }, init!);
      expect(withMetrics.observed_phase, withMetrics.phase_reason).toBe("decoupled");
      expect(typeof withMetrics.near_chance).toBe("boolean");
      const without = await phaseSummary(cfg, DATA, data.train, end, init!);
      expect(without.observed_phase).toBe("unresolved");
      expect(without.phase_reason).toMatch(/no NIW probe trace/);
    } finally {
      disposeResult(result);
    }
  });
});
