/**
 * The one typed configuration of a training run (nanoGPT style) and its schema: every key, its
 * type, range, default and help text, written once. `resolveConfig` validates a partial config
 * against it; the CLI derives every run flag from it (src/node/cli/runFlags.ts); presets and the
 * demo name keys of it. A run is a pure function of its RunConfig and its data; every run
 * folder holds the resolved config.
 *
 * Defaults follow docs/method.md §4 (plain SGD, eta 0.01, batch 64) except where noted; where
 * the papers are silent the default is our reconstruction and says so (docs/method.md §7).
 */
import { NinrError } from "./errors.ts";
import { datasetNames } from "./data/registry.ts";
import { WEIGHT_INITS } from "./engine/init.ts";
import type { NetworkSpec } from "./models/network.ts";
import { modelNames } from "./models/registry.ts";
import { RESNET_DEFAULT_WIDTH } from "./models/resnet.ts";
import { NOISE_DEFAULTS, noiseNames } from "./nin/noiseRegistry.ts";
import type { NoiseKind } from "./nin/noise.ts";
import type { CninShape, ThetaInit } from "./nin/theta.ts";

export type { CninShape, NoiseKind, ThetaInit };

/** The optimizers a run can use (src/train/optim.ts optimizerFor). */
export type OptimizerName = "sgd" | "adam";

/** Every key of a run; the network's keys (model, widths, nin, sigma, ...) are documented on NetworkSpec. */
export type RunConfig = Required<NetworkSpec> & {
  /** Data set the run trains on (a name the data loaders know; default Fashion-MNIST). */
  dataset: string;
  /** Evaluate with the noise on (default off: eps = 0 at test time). */
  evalNoise: boolean;
  /** L2 strength on weights only (not biases, not NIWs): penalty (l2/2)||W||^2, i.e. decay l2*W. */
  l2: number;
  /** Dropout probability after every hidden dense activation; 0 = off. */
  dropout: number;
  /** CDT: train on inputs + N(0, cdt^2); 0 = off. */
  cdt: number;
  /** CDT: clip corrupted inputs to the data's value range. */
  cdtClip: boolean;
  /** Learning rate eta. */
  lr: number;
  /** SGD momentum; 0 = plain SGD (default: a schedule or momentum moves the thresholds of k). */
  momentum: number;
  /** sgd (default; `momentum` applies) or adam (b1 0.9, b2 0.999, eps 1e-8; k's thresholds do not apply, docs/method.md §2.3). */
  optimizer: OptimizerName;
  batch: number;
  epochs: number;
  seed: number;
  /** Training images used (taken from the fit split after the holdout); 0 = all of them. */
  trainSize: number;
  /** Images of the training set held out for selection (5000 of 60k). Capped at 10% on small data. */
  holdout: number;
  /** Per-step metrics during the first epoch every this many steps (1 = every step). */
  stepLogEvery: number;
  /** Training loss above this counts as divergence (docs/method.md §2: 1e6). */
  divergeLoss: number;
  /**
   * Where jax-js computes (Node: src/node/device.ts): its Wasm backend, its WebGPU backend
   * (Dawn), or auto (WebGPU on a real GPU adapter, else Wasm). Sweep jobs leave it out of their
   * configs (so their hashes do not depend on it) and run on the sweep's device; every summary
   * records the device a run actually used.
   */
  device: "wasm" | "webgpu" | "auto";
};

/** How one key is typed and checked. */
export type FieldType =
  | { type: "enum"; values: () => readonly string[] }
  | { type: "number"; min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean; integer?: boolean }
  | { type: "bool" }
  | { type: "ints"; minLength: number; maxLength: number; maxEach: number }
  | { type: "placement" };

export type Field = FieldType & { default: unknown; help: string };

const list = <T extends string>(...v: T[]) => () => v;

/** The schema: one entry per RunConfig key, in the order `ninr train --help` lists them. */
export const RUN_SCHEMA: { [K in keyof RunConfig]: Field & { default: RunConfig[K] } } = {
  dataset: { type: "enum", values: datasetNames, default: "fashion-mnist", help: "data set (data registry)" },
  model: { type: "enum", values: modelNames, default: "mlp", help: "architecture (model registry)" },
  widths: { type: "ints", minLength: 2, maxLength: 64, maxEach: 65536, default: [784, 512, 512, 10], help: "MLP widths, input features first, classes last" },
  width: { type: "number", min: 1, max: 1024, integer: true, default: RESNET_DEFAULT_WIDTH, help: "ResNet base width (64 = standard ResNet-18, 11.2M parameters; 8-16 for CPU)" },
  init: { type: "enum", values: () => WEIGHT_INITS, default: "pytorch", help: "weight and bias initialisation (default NIWs follow it)" },
  nin: { type: "placement", default: "none", help: "noise injection nodes: none | input | all | comma list of site names (nin0,nin2)" },
  ninLogit: { type: "bool", default: true, help: "full-NINR: also a NIN before the logit layer" },
  sigma: { type: "number", min: 0, max: 1e6, default: 1, help: "noise standard deviation" },
  noise: { type: "enum", values: noiseNames, default: "gaussian", help: "NIN noise: white scalar (gaussian, uniform: same variance) or a field per sample at conv sites (correlated, pileup; docs/method.md §6.1)" },
  noiseLength: { type: "number", min: 0, max: 64, default: NOISE_DEFAULTS.noiseLength, help: "correlated noise: correlation length in cells (0 = white field)" },
  pileupRate: { type: "number", min: 0, minOpen: true, max: 1000, default: NOISE_DEFAULTS.pileupRate, help: "pileup noise: mean number of blobs per sample (Poisson)" },
  pileupSize: { type: "number", min: 0, minOpen: true, max: 64, default: NOISE_DEFAULTS.pileupSize, help: "pileup noise: blob width (Gaussian std) in cells" },
  pileupZeroMean: { type: "bool", default: NOISE_DEFAULTS.pileupZeroMean, help: "pileup noise: subtract the analytic mean (off: one-sided deposits)" },
  thetaInit: { type: "enum", values: list("default", "normal", "uniform"), default: "default", help: "NIW init (default: fcNINR like the layer's weights with fan_in+1, cNINR N(0,1))" },
  thetaScale: { type: "number", min: 0, minOpen: true, max: 1e6, default: 1, help: "NIW init scale for normal/uniform" },
  cninShape: { type: "enum", values: list("chw", "hw"), default: "chw", help: "cNINR theta per channel and pixel, or shared over channels" },
  evalNoise: { type: "bool", default: false, help: "evaluate with the NIN noise on" },
  l2: { type: "number", min: 0, max: 1e3, default: 0, help: "L2 on weights only (decay L*W)" },
  dropout: { type: "number", min: 0, max: 1, maxOpen: true, default: 0, help: "dropout probability after every hidden dense activation" },
  cdt: { type: "number", min: 0, max: 1e3, default: 0, help: "train on inputs + N(0, s^2)" },
  cdtClip: { type: "bool", default: false, help: "clip CDT inputs to the data's value range" },
  lr: { type: "number", min: 0, minOpen: true, max: 1e6, default: 0.01, help: "learning rate eta" },
  momentum: { type: "number", min: 0, max: 1, maxOpen: true, default: 0, help: "SGD momentum" },
  optimizer: { type: "enum", values: list("sgd", "adam"), default: "sgd", help: "sgd (with --momentum) or adam (b1 0.9, b2 0.999, eps 1e-8)" },
  batch: { type: "number", min: 1, max: 65536, integer: true, default: 64, help: "batch size" },
  epochs: { type: "number", min: 1, max: 100000, integer: true, default: 1, help: "epochs" },
  seed: { type: "number", min: 0, max: 2 ** 31 - 1, integer: true, default: 0, help: "random seed" },
  trainSize: { type: "number", min: 0, max: 1e9, integer: true, default: 0, help: "training images to use (0 = all)" },
  holdout: { type: "number", min: 0, max: 1e9, integer: true, default: 5000, help: "training images held out for selection" },
  stepLogEvery: {
    type: "number",
    min: 1,
    integer: true,
    default: 1,
    help: "first-epoch step metrics every n steps (each with the NIW probe ||theta||, ||J theta||: 28-35% of an in-NINR MLP step, 43-54% with NINs on every layer, 60% of a CNN step; bench/probe.ts)",
  },
  divergeLoss: { type: "number", min: 0, minOpen: true, max: 1e300, default: 1e6, help: "training loss above this counts as divergence" },
  device: { type: "enum", values: list("wasm", "webgpu", "auto"), default: "wasm", help: "where jax-js computes (env NINR_DEVICE sets the default; auto: WebGPU on a real GPU, else wasm)" },
};

export const CONFIG_KEYS = Object.keys(RUN_SCHEMA) as (keyof RunConfig)[];

export const DEFAULT_CONFIG: RunConfig = Object.fromEntries(CONFIG_KEYS.map((k) => [k, RUN_SCHEMA[k].default])) as RunConfig;

/**
 * A short description of a value for an error message: never the whole of a huge or deeply
 * nested value (files read back are untrusted; JSON.stringify of a 100,000-deep array overflows).
 */
export function describeValue(v: unknown): string {
  if (Array.isArray(v)) return v.length <= 8 && v.every((x) => typeof x !== "object" || x === null) ? JSON.stringify(v) : `a list of ${v.length} entries`;
  if (v && typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? v.slice(0, 80) + "..." : v);
  return String(v === undefined ? "nothing" : typeof v === "number" || typeof v === "boolean" ? v : JSON.stringify(v));
}

/** A comma list of NIN site names (validated against the model when the network is built). */
const SITE_LIST = /^[A-Za-z_][\w.]*(,[A-Za-z_][\w.]*)*$/;

/**
 * Check one value against its field. `name` is how the user wrote the key ("config 'lr'" or
 * "--lr"), so the message points at what to fix.
 */
export function checkField(f: FieldType, v: unknown, name: string): unknown {
  const got = describeValue(v);
  switch (f.type) {
    case "enum": {
      const allowed = f.values();
      if (typeof v !== "string" || !allowed.includes(v)) throw new NinrError(`${name} must be one of ${allowed.join("|")}, got ${got}`);
      return v;
    }
    case "bool":
      if (typeof v !== "boolean") throw new NinrError(`${name} must be true or false, got ${got}`);
      return v;
    case "ints":
      if (!Array.isArray(v) || v.length < f.minLength || v.length > f.maxLength || v.some((w) => typeof w !== "number" || !Number.isInteger(w) || w < 1 || w > f.maxEach))
        throw new NinrError(`${name} must be a list of ${f.minLength} to ${f.maxLength} integers from 1 to ${f.maxEach} (e.g. 784,512,512,10), got ${got}`);
      return v;
    case "placement":
      if (typeof v !== "string" || !(v === "none" || v === "input" || v === "all" || SITE_LIST.test(v)))
        throw new NinrError(`${name} must be none|input|all or a comma list of NIN site names (e.g. nin0,nin2), got ${got}`);
      return v;
    case "number": {
      if (typeof v !== "number" || !Number.isFinite(v)) throw new NinrError(`${name} must be a finite number, got ${got}`);
      if (f.integer && !Number.isInteger(v)) throw new NinrError(`${name} must be an integer, got ${v}`);
      if (f.min !== undefined && (f.minOpen ? v <= f.min : v < f.min)) throw new NinrError(`${name} must be ${f.minOpen ? ">" : ">="} ${f.min}, got ${v}`);
      if (f.max !== undefined && (f.maxOpen ? v >= f.max : v > f.max)) throw new NinrError(`${name} must be ${f.maxOpen ? "<" : "<="} ${f.max}, got ${v}`);
      return v;
    }
  }
}

/**
 * Merge `partial` over the defaults and validate every key. Unknown keys and bad values are
 * NinrErrors naming the key, the value and what is allowed.
 */
export function resolveConfig(partial: Record<string, unknown> = {}): RunConfig {
  if (!partial || typeof partial !== "object" || Array.isArray(partial)) throw new NinrError(`a run config must be a JSON object of config keys, got ${describeValue(partial)}`);
  for (const key of Object.keys(partial)) {
    if (!Object.hasOwn(RUN_SCHEMA, key)) throw new NinrError(`unknown config key '${key.slice(0, 80)}'; known keys: ${CONFIG_KEYS.join(", ")}`);
    if (partial[key] === null) throw new NinrError(`config '${key}' is null; give a value, or leave the key out for the default (${describeValue(RUN_SCHEMA[key as keyof RunConfig].default)})`);
  }
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const v = partial[key] === undefined ? RUN_SCHEMA[key].default : partial[key];
    out[key] = checkField(RUN_SCHEMA[key], v, `config '${key}'`);
  }
  if (out.optimizer === "adam" && (out.momentum as number) > 0)
    throw new NinrError(`config 'momentum' is ${out.momentum} but optimizer is adam (its b1 is 0.9); set momentum 0 or optimizer sgd`);
  return out as RunConfig;
}
