/**
 * The dense k(t) trace: `ninr train` (runTrainJob) records k at the log-spaced trace steps of
 * every epoch, starting at the run's one k0, in step order inside metrics.jsonl; a phase job's
 * trace reaches steps beyond the first epoch; momentum moves the edge the prediction uses.
 * Oracles: the trace's step list, k0 equal to the summary's k_init exactly, a re-measurement
 * with the same seed giving the same k (determinism), and the 2 (1 + beta) edge.
 */
import { describe, expect, it } from "vitest";
import { syntheticDataset } from "../../src/data/synthetic.ts";
import { registerDataset } from "../../src/data/registry.ts";
import { traceSteps } from "../../src/dynamics/kTrace.ts";
import { predictPhase, stabilityEdge } from "../../src/dynamics/predict.ts";
import { type PhaseRecord, type PhaseTrace, runPhaseJob } from "../../src/experiments/phaseRun.ts";
import type { JobEnv } from "../../src/experiments/record.ts";
import { runTrainJob } from "../../src/experiments/trainJob.ts";
import { disposeResult } from "../../src/train/loop.ts";

const DATA = { ...syntheticDataset({ shape: [8, 8, 1], classes: 3, nTrain: 256, nTest: 96, seed: 5 }), name: "synthetic-ktrace" };
registerDataset({ name: "synthetic-ktrace", description: "test data", load: () => DATA });
const env: JobEnv = { dataset: () => DATA, runtime: { node: "test", wasm_threads: 0 } };
const base = { dataset: "synthetic-ktrace", model: "mlp", widths: [64, 16, 3], nin: "input", sigma: 0.5, lr: 0.05, batch: 32, holdout: 0, seed: 2 };

describe("k(t) trace", () => {
  it("traceSteps is dense early, log-spaced later and ends at the last step", () => {
    expect(traceSteps(24)).toEqual([0, 2, 5, 10, 20, 24]);
    expect(traceSteps(20)).toEqual([0, 2, 5, 10, 20]);
    expect(traceSteps(30000).slice(-3)).toEqual([16000, 25000, 30000]);
  });

  it("ninr train records k at every trace step of every epoch, from the one k0, in step order", async () => {
    const { record, summary, result } = await runTrainJob({ config: { ...base, epochs: 3 } }, env); // 8 steps an epoch, 24 in all
    try {
      const ks = record.metrics.filter((m) => m.kind === "k") as { kind: "k"; step: number; k: number }[];
      expect(ks.map((m) => m.step)).toEqual(traceSteps(24));
      expect(ks[0].k).toBe(summary.k_init);
      for (const m of ks) expect(Number.isFinite(m.k) && m.k > 0).toBe(true);
      // Step order: every record's step (updates made) never decreases along metrics.jsonl.
      const at = record.metrics.map((m) => (m.kind === "step" ? m.step + 1 : m.step));
      for (let i = 1; i < at.length; i++) expect(at[i], `metric ${i} (${record.metrics[i].kind})`).toBeGreaterThanOrEqual(at[i - 1]);
      // Same config and seed: the same trace.
      const again = await runTrainJob({ config: { ...base, epochs: 3 }, saveParams: false }, env);
      try {
        expect((again.record.metrics.filter((m) => m.kind === "k") as { k: number }[]).map((m) => m.k)).toEqual(ks.map((m) => m.k));
      } finally {
        disposeResult(again.result);
      }
    } finally {
      disposeResult(result);
    }
  });

  it("without NINs, or with kTrace off, there is no trace", async () => {
    const a = await runTrainJob({ config: { ...base, nin: "none", epochs: 1 }, saveParams: false }, env);
    const b = await runTrainJob({ config: { ...base, epochs: 1 }, saveParams: false, kTrace: false }, env);
    try {
      expect(a.record.metrics.some((m) => m.kind === "k")).toBe(false);
      expect(b.record.metrics.some((m) => m.kind === "k")).toBe(false);
    } finally {
      disposeResult(a.result);
      disposeResult(b.result);
    }
  });

  it("a phase job traces beyond the first epoch", async () => {
    const r = await runPhaseJob(
      { config: { ...base, epochs: 2 }, traceSteps: [0, 4, 12, 16], initCurvature: { batches: 1, batchSize: 32, iters: 5 }, traceCurvature: { batchSize: 32, iters: 4 }, testSubset: 64, ceiling: 12 },
      env,
    );
    const trace = r.files["trace.json"] as PhaseTrace;
    expect(trace.t).toEqual([0, 4, 12, 16]);
    const rec = r.summary.phase as PhaseRecord;
    expect(rec.optimizer).toBe("sgd");
    expect(rec.k_edge).toBe(2);
  });

  it("momentum moves the edge to 2 (1 + beta); Adam has none", () => {
    expect(stabilityEdge({ optimizer: "sgd", momentum: 0 })).toBe(2);
    expect(stabilityEdge({ optimizer: "sgd", momentum: 0.5 })).toBe(3);
    expect(stabilityEdge({ optimizer: "adam", momentum: 0 })).toBeNull();
    expect(predictPhase({ k: 2.5, steps: 1000 })).toBe("catapult");
    expect(predictPhase({ k: 2.5, steps: 1000, edge: 3 })).toBe("decay");
    expect(predictPhase({ k: 3.5, steps: 1000, edge: 3 })).toBe("catapult");
  });
});
