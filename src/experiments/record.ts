/**
 * What a job produces: a RunRecord, the content of one run folder (docs: README "run folders").
 * Jobs return records; stores write them (src/node/runFolder.ts for local folders), so the
 * experiments never touch a file system and results can travel anywhere.
 */
import { defaultDevice, numpy as np } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import type { HostTensor } from "../io/safetensors.ts";
import { DENSE_LAYOUT } from "../io/safetensors.ts";
import { NinrError } from "../errors.ts";
import type { ModelState, Params } from "../models/model.ts";
import { buildNetwork } from "../models/network.ts";
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

/**
 * Parameters and model state on the device from a params.safetensors record (the inverse of
 * `paramsRecord`), for the network `cfg` builds on data of shape `info`. The tensors are untrusted
 * (a file or a message): every one is checked against the network before any goes on the device.
 * `where` names their source in errors. Records from before dense weights were stored
 * [n_out, n_in] have no dense_layout key: their 2-d weights are transposed.
 */
export function paramsFromRecord(cfg: RunConfig, info: Pick<Dataset, "inputShape" | "classes" | "range">, tensors: Record<string, HostTensor>, metadata: Record<string, string>, where: string): { params: Params; state: ModelState } {
  const layout = metadata.dense_layout;
  if (layout !== undefined && layout !== DENSE_LAYOUT) throw new NinrError(`${where}: unknown dense_layout '${layout}' (this version reads '${DENSE_LAYOUT}' and files without the key)`);
  const net = buildNetwork(cfg, info);
  const shapes = net.shapes();
  const host: Record<string, HostTensor> = {};
  const hostState: Record<string, HostTensor> = {};
  for (const [k, t0] of Object.entries(tensors)) {
    const isState = k.startsWith(STATE_PREFIX);
    const name = isState ? k.slice(STATE_PREFIX.length) : k;
    const t = !isState && layout === undefined && net.isWeight(name) && t0.shape.length === 2 ? transposeHost(t0) : t0;
    const want = (isState ? shapes.state : shapes.params)[name];
    if (!want) throw new NinrError(`${where}: unexpected ${isState ? "state entry" : "parameter"} '${name}' for a ${cfg.model} with nin=${cfg.nin} (the config and the parameters do not belong together)`);
    if (want.join(",") !== t.shape.join(",")) throw new NinrError(`${where}: '${name}' has shape [${t.shape}], the config's network needs [${want}]`);
    (isState ? hostState : host)[name] = t;
  }
  const missing = [...Object.keys(shapes.params).filter((k) => !(k in host)), ...Object.keys(shapes.state).filter((k) => !(k in hostState))];
  if (missing.length) throw new NinrError(`${where}: missing parameters ${missing.join(", ")}`);
  const toDevice = (h: Record<string, HostTensor>) => Object.fromEntries(Object.entries(h).map(([k, t]) => [k, np.array(t.data).reshape(t.shape)]));
  return { params: toDevice(host), state: toDevice(hostState) };
}

/** [a, b] -> [b, a] on the host. */
function transposeHost(t: HostTensor): HostTensor {
  const [a, b] = t.shape;
  const data = new Float32Array(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) data[j * a + i] = t.data[i * b + j];
  return { shape: [b, a], data };
}

/** What a job needs from where it runs: its data, where it runs, and a clock for timings. */
export type JobEnv = {
  /** The dataset a job's config names (loaded once per worker and cached). */
  dataset(name: string): Dataset;
  runtime: Runtime;
  /** Process id, for the diagnostic echo job. */
  pid?: number;
  clock?: () => number;
  /**
   * The params.safetensors content of a finished job, by its hash (jobs that evaluate another
   * job's trained model: src/experiments/attackJob.ts). Absent where results are not at hand
   * (a queue worker without a shared store); null when that job has no parameters stored.
   */
  trainedParams?: (hash: string) => NonNullable<RunRecord["params"]> | null;
};
