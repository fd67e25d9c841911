/**
 * One training run as a job: validate against the data, train, and (with NINs) measure k at the
 * start and the end and name the phase. Returns the run's record; writing it is the store's job.
 */
import { type RunConfig, resolveConfig } from "../config.ts";
import { type PhaseSummary, measureStart, phaseSummary } from "../dynamics/phaseSummary.ts";
import type { CurvatureResult } from "../dynamics/curvature.ts";
import { makeKTracer } from "../dynamics/kTrace.ts";
import { type KMetric, type Metric, type TrainHooks, type TrainResult, train } from "../train/loop.ts";
import { checkDataLimits, prepareData } from "../train/prepare.ts";
import { type JobEnv, type RunRecord, type RunSummary, configRecord, paramsRecord, summarize } from "./record.ts";

export type TrainJobSpec = {
  config: Partial<RunConfig>;
  /** Keep params.safetensors (default true). */
  saveParams?: boolean;
  /** With NINs: measure k = eta * lambda_noise at the start and end, and name the phase (default true). */
  curvature?: boolean;
  /** With curvature: also trace k(t) at log-spaced steps (src/dynamics/kTrace.ts; default true). */
  kTrace?: boolean;
};

/** Insert k records after the metrics of the same or an earlier step (both lists in step order). */
function mergeByStep(metrics: Metric[], ks: KMetric[]): Metric[] {
  const out: Metric[] = [];
  let j = 0;
  for (const m of metrics) {
    const step = m.kind === "step" ? m.step + 1 : m.step; // a step record's `step` is 0-based (updates made = step + 1)
    while (j < ks.length && ks[j].step < step) out.push(ks[j++]);
    out.push(m);
  }
  while (j < ks.length) out.push(ks[j++]);
  return out;
}

export type TrainRun = { record: RunRecord; summary: RunSummary & Partial<PhaseSummary>; result: TrainResult };

/**
 * Check a run's config against its data before anything is computed (checkDataLimits: the
 * network can be built for the data's shape, the sizes fit, the memory estimate). Returns the resolved config.
 */
export function checkTrainJob(spec: TrainJobSpec, env: Pick<JobEnv, "dataset">): RunConfig {
  const cfg = resolveConfig(spec.config as Record<string, unknown>);
  const ds = env.dataset(cfg.dataset);
  checkDataLimits(ds, cfg); // builds the network for the data (shape errors) and checks sizes and memory
  return cfg;
}

/** Run a train job. The caller releases the device arrays with `disposeResult(run.result)`. */
export async function runTrainJob(spec: TrainJobSpec, env: JobEnv, hooks: TrainHooks = {}): Promise<TrainRun> {
  const cfg = checkTrainJob(spec, env);
  const ds = env.dataset(cfg.dataset);
  const data = prepareData(ds, cfg);
  const withCurvature = (spec.curvature ?? true) && cfg.nin !== "none";
  let init: CurvatureResult | null = null;
  // The dense k(t) trace (docs/method.md §2.6): the classifier reads k's fall below the edge from it.
  const totalSteps = Math.floor(data.train.n / cfg.batch) * cfg.epochs;
  const tracer = withCurvature && (spec.kTrace ?? true) ? makeKTracer(cfg, ds, data.train, totalSteps, env.clock) : null;
  const traceAt = new Set(tracer?.steps.filter((t) => t > 0));
  const kTrace: KMetric[] = [];
  const result = await train(cfg, ds, data, {
    ...hooks,
    clock: hooks.clock ?? env.clock,
    onStart: async (params, state) => {
      if (withCurvature) {
        init = await measureStart(cfg, ds, params, state, data.train, env.clock);
        if (tracer) kTrace.push({ kind: "k", step: 0, k: init.k ?? 0 }); // one k0 per run: the trace starts at it
      }
      await hooks.onStart?.(params, state);
    },
    onStep: async (step, params, state) => {
      if (tracer && traceAt.has(step + 1)) kTrace.push({ kind: "k", step: step + 1, k: await tracer.measure(step + 1, params, state) });
      await hooks.onStep?.(step, params, state);
    },
  });
  tracer?.dispose();
  // k records join the metrics after the step record of the same step (metrics.jsonl stays in step order).
  if (kTrace.length) result.metrics = mergeByStep(result.metrics, kTrace);
  let summary: RunSummary & Partial<PhaseSummary> = summarize(result, ds, cfg.epochs, env.runtime);
  if (init) {
    const end = { params: result.params, state: result.state, steps: result.steps, diverged: result.diverged, finalTrainLoss: result.finalTrainLoss, finalAcc: result.holdout?.acc ?? result.test.acc, metrics: result.metrics };
    summary = { ...summary, ...(await phaseSummary(cfg, ds, data.train, end, init, env.clock)) };
  }
  const record: RunRecord = {
    config: configRecord(cfg, ds),
    metrics: result.metrics,
    files: {},
    params: (spec.saveParams ?? true) ? await paramsRecord(cfg, result.params, result.state) : undefined,
    summary,
  };
  return { record, summary, result };
}
