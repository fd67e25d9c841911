/**
 * One training run end to end: resolve data, train, and write the run folder:
 *   config.json         the full resolved RunConfig (plus the data source)
 *   metrics.jsonl       one JSON object per line (step metrics of epoch 1, then epoch metrics)
 *   summary.json        headline numbers (RunSummary)
 *   params.safetensors  final parameters, names as in src/models/network.ts
 * Every file is written atomically.
 */
import { tree } from "@jax-js/jax";
import { join } from "node:path";
import { DEFAULT_CONFIG, type RunConfig } from "../config.ts";
import { type Dataset, loadDataset } from "../data/fashion.ts";
import { holdout as holdoutSplit, subset } from "../data/split.ts";
import { writeFileAtomic, writeJsonAtomic } from "../io/atomic.ts";
import { DENSE_LAYOUT, encodeSafetensors, type HostTensor } from "../io/safetensors.ts";
import type { Params } from "../models/network.ts";
import { classifyTrajectory } from "../dynamics/classify.ts";
import { type CurvatureResult, measureCurvature } from "../dynamics/curvature.ts";
import { predictPhase } from "../dynamics/predict.ts";
import { wasmThreadsInfo } from "../engine/threads.ts";
import { type Metric, type TrainData, type TrainHooks, type TrainResult, train } from "./loop.ts";

export type RunSummary = {
  clean_test_acc: number;
  test_loss: number;
  holdout_acc: number | null;
  final_train_loss: number;
  diverged: boolean;
  diverged_step: number | null;
  /** Final ||theta|| per NIN, in the order of `nin_layers`. */
  niw_norm: number[];
  /** Final output coupling ||J theta|| per NIN. */
  coupling: number[];
  nin_layers: number[];
  steps: number;
  seconds: number;
  seconds_per_epoch: number;
  data_source: "full" | "sample";
  /** Where it ran (timings depend on it; the numbers do not: the thread pool is bit-identical). */
  runtime: { node: string; wasm_threads: number };
};

/** The holdout is drawn with a fixed seed so every run of an experiment selects on the same images. */
const HOLDOUT_SEED = 0;

/** Images held out for selection from `nTrain` training images: `holdout`, at most 10%. */
function holdoutSize(nTrain: number, holdout: number): number {
  return Math.min(holdout, Math.floor(nTrain / 10));
}

/** Training images left for fitting after the holdout (what `trainSize` budgets draw from). */
export function fitSize(ds: Pick<Dataset, "train">, holdout = DEFAULT_CONFIG.holdout): number {
  return ds.train.n - holdoutSize(ds.train.n, holdout);
}

/** Split a dataset as the config asks: holdout (at most 10% of train), then an optional subset. */
export function prepareData(ds: Dataset, cfg: RunConfig): TrainData {
  const nHold = holdoutSize(ds.train.n, cfg.holdout);
  const { fit, holdout } = nHold > 0 ? holdoutSplit(ds.train, nHold, HOLDOUT_SEED) : { fit: ds.train, holdout: undefined };
  const train = cfg.trainSize > 0 ? subset(fit, cfg.trainSize, cfg.seed) : fit;
  return { train, test: ds.test, holdout };
}

/** Copy parameters to host Float32Arrays (does not consume `params`). */
export async function paramsToHost(params: Params): Promise<Record<string, HostTensor>> {
  const out: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(params)) out[k] = { shape: v.shape, data: new Float32Array((await v.ref.data()) as Float32Array) };
  return out;
}

export function summarize(r: TrainResult, ds: Pick<Dataset, "source">, epochs: number): RunSummary {
  return {
    clean_test_acc: r.test.acc,
    test_loss: r.test.loss,
    holdout_acc: r.holdout?.acc ?? null,
    final_train_loss: r.finalTrainLoss,
    diverged: r.diverged,
    diverged_step: r.divergedStep,
    niw_norm: r.niwNorm,
    coupling: r.coupling,
    nin_layers: r.fns.ninSites,
    steps: r.steps,
    seconds: r.seconds,
    seconds_per_epoch: r.seconds / epochs,
    data_source: ds.source,
    runtime: { node: process.version, wasm_threads: wasmThreadsInfo().threads },
  };
}

export type RunOptions = {
  dataDir?: string;
  allowSample?: boolean;
  /** Already-loaded data (sweeps load once); overrides dataDir. */
  dataset?: Dataset;
  hooks?: TrainHooks;
  /** With NINs: measure k = eta * lambda_noise at the start and end, and name the phase (default true). */
  curvature?: boolean;
};

/** Curvature fields of a NINR run's summary (spec 2; issue: every train summary names its phase). */
export type PhaseSummary = {
  k_init: number;
  k_final: number | null;
  lambda_noise_init: number;
  lambda_niw_init: number | null;
  predicted_phase: string;
  observed_phase: string;
  phase_reason: string;
  curvature_seconds: number;
};

/**
 * Budget of the start/end measurements in `ninr train`: 2 batches, Lanczos with at most 15
 * matvecs; 256 images for the MLP, 64 for the CNN (its products cost far more per image).
 */
const trainCurvature = (cfg: RunConfig) => ({ batches: 2, batchSize: cfg.model === "cnn" ? 64 : 256, iters: 15 });

/**
 * Write a finished run's folder. `summary.json` goes last: its presence marks the run done
 * (sweeps resume on it). `extra` fields are merged into the summary; `files` are extra JSON files.
 */
export async function writeRunFolder(
  outDir: string,
  cfg: RunConfig,
  result: TrainResult,
  summary: RunSummary & Record<string, unknown>,
  opts: { saveParams?: boolean; files?: Record<string, unknown> } = {},
): Promise<void> {
  writeFileAtomic(join(outDir, "metrics.jsonl"), result.metrics.map((m) => JSON.stringify(m)).join("\n") + "\n");
  if (opts.saveParams ?? true) {
    const host = await paramsToHost(result.params);
    writeFileAtomic(join(outDir, "params.safetensors"), encodeSafetensors(host, { format: "ninr", model: cfg.model, nin: cfg.nin, dense_layout: DENSE_LAYOUT }));
  }
  for (const [name, value] of Object.entries(opts.files ?? {})) writeJsonAtomic(join(outDir, name), value);
  writeJsonAtomic(join(outDir, "summary.json"), summary);
}

/** The run's config as written to config.json: the RunConfig plus where the data came from. */
export function writeRunConfig(outDir: string, cfg: RunConfig, ds: Dataset): void {
  writeJsonAtomic(join(outDir, "config.json"), { ...cfg, data_source: ds.source, data_dir: ds.dir });
}

/**
 * Train per `cfg` and write the run folder `outDir`. Returns the summary and the result; the
 * caller releases the device parameters with `disposeResult`.
 */
export async function runTraining(cfg: RunConfig, outDir: string, opts: RunOptions = {}): Promise<{ summary: RunSummary & Partial<PhaseSummary>; metrics: Metric[]; dataset: Dataset; result: TrainResult }> {
  const ds = opts.dataset ?? loadDataset({ dataDir: opts.dataDir, allowSample: opts.allowSample ?? false });
  writeRunConfig(outDir, cfg, ds);
  const data = prepareData(ds, cfg);
  const withCurvature = (opts.curvature ?? true) && cfg.nin !== "none";
  let init: CurvatureResult | null = null;
  const hooks: TrainHooks = {
    ...opts.hooks,
    onStart: async (params) => {
      if (withCurvature) init = await measureCurvature(cfg, params, data.train.images, data.train.labels, { ...trainCurvature(cfg), seed: cfg.seed, which: { noise: true, niw: true, hessian: false }, timeGradient: false });
      await opts.hooks?.onStart?.(params);
    },
  };
  const result = await train(cfg, data, hooks);
  let summary: RunSummary & Partial<PhaseSummary> = summarize(result, ds, cfg.epochs);
  if (init) summary = { ...summary, ...(await phaseSummary(cfg, data, result, init)) };
  await writeRunFolder(outDir, cfg, result, summary);
  return { summary, metrics: result.metrics, dataset: ds, result };
}

/** k at the start and the end of a run, and the predicted and observed phase (spec 2). */
async function phaseSummary(cfg: RunConfig, data: TrainData, result: TrainResult, init: CurvatureResult): Promise<PhaseSummary> {
  const t0 = performance.now();
  const kInit = init.k ?? 0;
  let kFinal: number | null = null;
  if (!result.diverged) {
    const end = await measureCurvature(cfg, result.params, data.train.images, data.train.labels, { ...trainCurvature(cfg), seed: cfg.seed + 1, which: { noise: true, niw: false, hessian: false }, timeGradient: false });
    kFinal = end.k;
  }
  const obs = classifyTrajectory({
    kSteps: kFinal === null ? [0] : [0, result.steps],
    k: kFinal === null ? [kInit] : [kInit, kFinal],
    steps: result.steps,
    diverged: result.diverged,
    maxLoss: result.diverged ? Infinity : result.finalTrainLoss,
    finalTrainAcc: result.holdout?.acc ?? result.test.acc,
  });
  return {
    k_init: kInit,
    k_final: kFinal,
    lambda_noise_init: init.lambda_noise ?? 0,
    lambda_niw_init: init.lambda_niw,
    predicted_phase: predictPhase({ k: kInit, steps: result.steps }),
    observed_phase: obs.phase,
    phase_reason: obs.reason,
    curvature_seconds: init.seconds + (performance.now() - t0) / 1000,
  };
}

/** Release a result's device memory. */
export function disposeResult(r: TrainResult): void {
  tree.dispose(r.params);
  r.fns.dispose();
}
