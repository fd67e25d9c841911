/**
 * The environment jobs run in on Node: datasets loaded from disk (once per process, by name),
 * the runtime facts summaries record, and the wall clock.
 */
import type { Dataset } from "../data/dataset.ts";
import { FASHION_NAME } from "../data/fashion.ts";
import { datasetEntry } from "../data/registry.ts";
import { NinrError } from "../errors.ts";
import type { JobEnv, Runtime } from "../experiments/record.ts";
import { join } from "node:path";
import { loadDataset } from "./data/fashionFiles.ts";
import { readRunParams } from "./runFolder.ts";
import { wasmThreadsInfo } from "./threads.ts";

export type DataOptions = {
  /** --data DIR: the folder with the data files. */
  dataDir?: string;
  /** Fall back to the bundled sample when the full data is absent. */
  allowSample?: boolean;
};

export function nodeRuntime(): Runtime {
  return { node: process.version, wasm_threads: wasmThreadsInfo().threads };
}

/** Load a registered dataset by name: from disk (Fashion-MNIST) or built in memory. */
export function loadNamedDataset(name: string, opts: DataOptions = {}): Dataset {
  if (name === FASHION_NAME) return loadDataset({ dataDir: opts.dataDir, allowSample: opts.allowSample ?? false });
  const entry = datasetEntry(name);
  if (!entry.load) throw new NinrError(`data set '${name}' has no loader on this machine`);
  return entry.load();
}

/**
 * A JobEnv whose datasets are loaded on first use and kept; `preloaded` are used as they are.
 * `runsDir`: the folder of the sweep's run folders (`<runsDir>/<hash>`), from which jobs that
 * evaluate another job's model read its parameters (untrusted: decoded and checked).
 */
export function nodeEnv(opts: DataOptions = {}, preloaded: Dataset[] = [], runsDir?: string): JobEnv {
  const cache = new Map<string, Dataset>(preloaded.map((d) => [d.name, d]));
  return {
    dataset(name) {
      let ds = cache.get(name);
      if (!ds) cache.set(name, (ds = loadNamedDataset(name, opts)));
      return ds;
    },
    runtime: nodeRuntime(),
    pid: process.pid,
    clock: () => performance.now(),
    ...(runsDir ? { trainedParams: (hash: string) => readRunParams(join(runsDir, hash)) } : {}),
  };
}
