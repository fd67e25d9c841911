/**
 * One training run as a job: validate against the data, train, and (with NINs) measure k at the
 * start and the end and name the phase. Returns the run's record; writing it is the store's job.
 */
import { type RunConfig, resolveConfig } from "../config.ts";
import { type PhaseSummary, measureStart, phaseSummary } from "../dynamics/phaseSummary.ts";
import type { CurvatureResult } from "../dynamics/curvature.ts";
import { type TrainHooks, type TrainResult, train } from "../train/loop.ts";
import { checkDataLimits, prepareData } from "../train/prepare.ts";
import { type JobEnv, type RunRecord, type RunSummary, configRecord, paramsRecord, summarize } from "./record.ts";

export type TrainJobSpec = {
  config: Partial<RunConfig>;
  /** Keep params.safetensors (default true). */
  saveParams?: boolean;
  /** With NINs: measure k = eta * lambda_noise at the start and end, and name the phase (default true). */
  curvature?: boolean;
};

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
  const result = await train(cfg, ds, data, {
    ...hooks,
    clock: hooks.clock ?? env.clock,
    onStart: async (params, state) => {
      if (withCurvature) init = await measureStart(cfg, ds, params, state, data.train, env.clock);
      await hooks.onStart?.(params, state);
    },
  });
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
