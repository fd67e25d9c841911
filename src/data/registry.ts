/**
 * The dataset registry: every name a config's `dataset` may take. In-memory datasets carry a
 * `load` (browser-safe); file-backed ones (Fashion-MNIST) are loaded by the Node loaders
 * (src/node/env.ts) and registered here by name only, so configs can be validated anywhere.
 */
import { NinrError } from "../errors.ts";
import type { Dataset } from "./dataset.ts";
import { FASHION_NAME } from "./fashion.ts";
import { syntheticDataset } from "./synthetic.ts";
import { caloDataset } from "./calo/dataset.ts";
import { detectorNoise } from "./calo/detectorNoise.ts";
import { registerNoise } from "../nin/noiseRegistry.ts";

export type DatasetEntry = {
  name: string;
  description: string;
  /** Build the dataset in memory; absent for datasets read from files. */
  load?: () => Dataset;
};

const DATASETS = new Map<string, DatasetEntry>([
  [FASHION_NAME, { name: FASHION_NAME, description: "Fashion-MNIST, 28x28x1, 10 classes (files: Debian dataset-fashion-mnist or --data DIR)" }],
  ["synthetic", { name: "synthetic", description: "class prototypes plus pixel noise, 8x8x2, 3 classes, in memory (tests)", load: () => syntheticDataset() }],
  ["calo", { name: "calo", description: "synthetic calorimeter, prompt vs fragmentation photons, 16x16x6, nominal domain (docs/detector.md)", load: () => caloDataset() }],
  ["calo-shifted", { name: "calo-shifted", description: "synthetic calorimeter: calo's training set, test set in the shifted domain", load: () => caloDataset({ testDomain: "shifted" }) }],
  ["calo-cdt", { name: "calo-cdt", description: "synthetic calorimeter: calo with detector noise added to the training images (CDT)", load: () => caloDataset({ cdt: true }) }],
]);

// The synthetic calorimeter's own noise + pile-up as a structured NIN noise kind (config noise=detector).
registerNoise({
  name: "detector",
  description: "the synthetic calorimeter's electronic noise + offset-subtracted pile-up as a field on its input image (docs/detector.md §6), per-entry RMS sigma",
  build: (s) => detectorNoise(s.sigma),
});

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
