/**
 * One training run end to end on Node: set up the config's device, load the data, check the
 * config against it (before anything is written), train, and write the run folder
 * (src/node/runFolder.ts).
 */
import type { RunConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import { type TrainRun, checkTrainJob, runTrainJob } from "../experiments/trainJob.ts";
import type { TrainHooks } from "../train/loop.ts";
import { setupDevice } from "./device.ts";
import { type DataOptions, nodeEnv } from "./env.ts";
import { acquireLock } from "./executors/local.ts";
import { prepareOutDir, writeRunRecord } from "./runFolder.ts";

export type RunOptions = DataOptions & {
  /** Already-loaded data (sweeps, the demo); overrides dataDir. */
  dataset?: Dataset;
  hooks?: TrainHooks;
  /** With NINs: measure k = eta * lambda_noise at the start and end, and name the phase (default true). */
  curvature?: boolean;
  /** Keep params.safetensors (default true). */
  saveParams?: boolean;
};

/**
 * Train per `cfg` and write the run folder `outDir`. Returns the summary, the dataset and the
 * result; the caller releases the device arrays with `disposeResult(result)`.
 */
export async function runTraining(cfg: RunConfig, outDir: string, opts: RunOptions = {}): Promise<TrainRun & { dataset: Dataset }> {
  await setupDevice(cfg.device); // jax-js's default device for this process (src/node/device.ts)
  const env = nodeEnv(opts, opts.dataset ? [opts.dataset] : []);
  const spec = { config: cfg, curvature: opts.curvature, saveParams: opts.saveParams };
  // Everything that can be checked is checked before training starts: the config against the
  // data, then the output folder.
  checkTrainJob(spec, env);
  prepareOutDir(outDir);
  // One training per run folder: a second `ninr train --out` on it stops here, not at the end.
  const release = acquireLock(outDir, "train");
  try {
    const run = await runTrainJob(spec, env, opts.hooks);
    writeRunRecord(outDir, run.record);
    return { ...run, dataset: env.dataset(cfg.dataset) };
  } finally {
    release();
  }
}
