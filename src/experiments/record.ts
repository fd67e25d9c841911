/**
 * What a job produces: a RunRecord, the content of one run folder (docs: README "run folders").
 * Jobs return records; stores write them (src/node/runFolder.ts for local folders), so the
 * experiments never touch a file system and results can travel anywhere.
 */
import { defaultDevice } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import type { HostTensor } from "../io/safetensors.ts";
import { DENSE_LAYOUT } from "../io/safetensors.ts";
import type { ModelState, Params } from "../models/model.ts";
import type { Metric, TrainResult } from "../train/loop.ts";

/** Where a job ran (timings depend on it; the numbers do not: the thread pool is bit-identical). */
export type Runtime = { node: string; wasm_threads: number };

export type RunRecord = {
  /** config.json: the resolved RunConfig plus where the data came from. */
  config: Record<string, unknown>;
  /** metrics.jsonl, one object a line. */
  metrics: Metric[];
  /** Extra JSON files by name (trace.json, curvature.json, robustness.json, ...). */
  files: Record<string, unknown>;
  /** params.safetensors, when kept. */
  params?: { tensors: Record<string, HostTensor>; metadata: Record<string, string> };
  /** summary.json: written last; its presence marks the run done. */
  summary: Record<string, unknown>;
};

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
  /** Index of each NIN's site among the model's declared sites (for chains: the layer). */
  nin_layers: number[];
  steps: number;
  seconds: number;
  seconds_per_epoch: number;
  data_source: string;
  /** The jax-js device the run computed on (wasm, webgpu; `auto` resolved): jax-js's default device. */
  device: string;
  runtime: Runtime;
};

export function summarize(r: TrainResult, ds: Pick<Dataset, "source">, epochs: number, runtime: Runtime): RunSummary {
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
    device: defaultDevice(),
    runtime,
  };
}

/** The config as a run folder records it: the RunConfig plus the data's provenance. */
export function configRecord(cfg: RunConfig, ds: Pick<Dataset, "source" | "dir">): Record<string, unknown> {
  return { ...cfg, data_source: ds.source, data_dir: ds.dir };
}

/** Copy parameters to host Float32Arrays (does not consume `params`). */
export async function paramsToHost(params: Params): Promise<Record<string, HostTensor>> {
  const out: Record<string, HostTensor> = {};
  for (const [k, v] of Object.entries(params)) out[k] = { shape: v.shape, data: new Float32Array((await v.ref.data()) as Float32Array) };
  return out;
}

/** Model-state entries are stored beside the parameters under this prefix (BatchNorm statistics). */
export const STATE_PREFIX = "state/";

/** Parameters and model state as a record's params.safetensors content (consumes neither). */
export async function paramsRecord(cfg: RunConfig, params: Params, state: ModelState): Promise<NonNullable<RunRecord["params"]>> {
  const tensors = await paramsToHost(params);
  for (const [k, v] of Object.entries(await paramsToHost(state))) tensors[STATE_PREFIX + k] = v;
  return { tensors, metadata: { format: "ninr", model: cfg.model, nin: cfg.nin, dense_layout: DENSE_LAYOUT } };
}

/** What a job needs from where it runs: its data, where it runs, and a clock for timings. */
export type JobEnv = {
  /** The dataset a job's config names (loaded once per worker and cached). */
  dataset(name: string): Dataset;
  runtime: Runtime;
  /** Process id, for the diagnostic echo job. */
  pid?: number;
  clock?: () => number;
};
