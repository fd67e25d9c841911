/**
 * The dataset registry: every name a config's `dataset` may take. In-memory datasets carry a
 * `load` (browser-safe); file-backed ones (Fashion-MNIST) are loaded by the Node loaders
 * (src/node/env.ts) and registered here by name only, so configs can be validated anywhere.
 */
import { NinrError } from "../errors.ts";
import type { Dataset } from "./dataset.ts";
import { FASHION_NAME } from "./fashion.ts";
import { syntheticDataset } from "./synthetic.ts";

export type DatasetEntry = {
  name: string;
  description: string;
  /** Build the dataset in memory; absent for datasets read from files. */
  load?: () => Dataset;
};

const DATASETS = new Map<string, DatasetEntry>([
  [FASHION_NAME, { name: FASHION_NAME, description: "Fashion-MNIST, 28x28x1, 10 classes (files: Debian dataset-fashion-mnist or --data DIR)" }],
  ["synthetic", { name: "synthetic", description: "class prototypes plus pixel noise, 8x8x2, 3 classes, in memory (tests)", load: () => syntheticDataset() }],
]);

export function registerDataset(entry: DatasetEntry): void {
  const have = DATASETS.get(entry.name);
  if (have && have !== entry) throw new NinrError(`a data set named '${entry.name}' is already registered`);
  DATASETS.set(entry.name, entry);
}

export function datasetNames(): string[] {
  return [...DATASETS.keys()];
}

export function datasetEntry(name: string): DatasetEntry {
  const e = DATASETS.get(name);
  if (!e) throw new NinrError(`unknown data set '${name}'; known: ${datasetNames().join(", ")}`);
  return e;
}
