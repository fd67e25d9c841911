/**
 * The model registry: every architecture a config can name. `mlp`, `cnn` and `resnet18` are built in; a new
 * architecture is a file exporting a `ModelEntry`, registered here or with `registerModel` (tests
 * register their own). Nothing else in the toolkit (training, curvature, experiments) needs to
 * change for a new model: they find its NIN sites and parameters through the `Model` contract.
 */
import { NinrError } from "../errors.ts";
import { CNN } from "./cnn.ts";
import { MLP } from "./mlp.ts";
import { RESNET18 } from "./resnet.ts";
import type { Model, ModelEntry, ModelOptions } from "./model.ts";

const MODELS = new Map<string, ModelEntry>([
  [MLP.name, MLP],
  [CNN.name, CNN],
  [RESNET18.name, RESNET18],
]);

/** Add an architecture (a NinrError if the name is taken by a different entry). */
export function registerModel(entry: ModelEntry): void {
  const have = MODELS.get(entry.name);
  if (have && have !== entry) throw new NinrError(`a model named '${entry.name}' is already registered`);
  MODELS.set(entry.name, entry);
}

export function modelNames(): string[] {
  return [...MODELS.keys()];
}

/** Build a registered model for a data shape. */
export function buildModel(name: string, opts: ModelOptions): Model {
  const entry = MODELS.get(name);
  if (!entry) throw new NinrError(`unknown model '${name}'; known models: ${modelNames().join(", ")}`);
  return entry.build(opts);
}
