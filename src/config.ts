/**
 * The one typed configuration of a training run (nanoGPT style): every knob, its default, and
 * why. A run is a pure function of its RunConfig and the data; `ninr train` writes the resolved
 * config beside the results, and `--config run.json` reads the same keys back.
 *
 * Defaults follow ../shared/ninr-spec.md section 4 (plain SGD, eta 0.01, batch 64) except where
 * noted; where the papers are silent the default is our reconstruction and says so.
 */
import { NinrError } from "./errors.ts";

export type ModelKind = "mlp" | "cnn";
export type NinPlacement = "none" | "input" | "all";
export type NoiseKind = "gaussian" | "uniform";
/** NIW initialisation (spec 1). "default": fcNINR like the layer's weights with fan_in + 1,
 * cNINR N(0,1). "normal": N(0, thetaScale^2). "uniform": U(-thetaScale, thetaScale). */
export type ThetaInit = "default" | "normal" | "uniform";
/** cNINR theta shape (spec 1): per channel and pixel [C,H,W] (default) or shared over channels [H,W]. */
export type CninShape = "chw" | "hw";

export type RunConfig = {
  /** Network family: "mlp" (dense) or "cnn" (spec 4: conv32-pool-conv64-pool-dense128-dense10). */
  model: ModelKind;
  /** MLP layer widths, input first, classes last. Ignored for the CNN. */
  widths: number[];
  /** Where NINs go: none (plain model), input (in-NINR), all (full-NINR, before every weight layer). */
  nin: NinPlacement;
  /** full-NINR only: also a NIN before the logit layer (spec default true). */
  ninLogit: boolean;
  /** Noise scale: eps has standard deviation sigma. 0 makes NINR compute the plain model. */
  sigma: number;
  noise: NoiseKind;
  thetaInit: ThetaInit;
  /** Scale for thetaInit "normal" / "uniform". */
  thetaScale: number;
  cninShape: CninShape;
  /** Evaluate with the noise on (default off: eps = 0 at test time, spec 1). */
  evalNoise: boolean;
  /** L2 strength on weights only (not biases, not NIWs): penalty (l2/2)||W||^2, i.e. decay l2*W. */
  l2: number;
  /** Dropout probability after every hidden dense activation; 0 = off. */
  dropout: number;
  /** CDT: train on inputs + N(0, cdt^2); 0 = off. */
  cdt: number;
  /** CDT: clip corrupted inputs to [0,1]. */
  cdtClip: boolean;
  /** Learning rate eta. */
  lr: number;
  /** SGD momentum; 0 = plain SGD (spec default: plain SGD, no schedule, since a schedule changes k). */
  momentum: number;
  batch: number;
  epochs: number;
  seed: number;
  /** Training images used (taken from the fit split after the holdout); 0 = all of them. */
  trainSize: number;
  /** Images of the training set held out for selection (spec 4: 5000 of 60k). Capped at 10% on small data. */
  holdout: number;
  /** Per-step metrics during the first epoch every this many steps (1 = every step). */
  stepLogEvery: number;
  /** Training loss above this counts as divergence (spec 2: 1e6). */
  divergeLoss: number;
};

export const DEFAULT_CONFIG: RunConfig = {
  model: "mlp",
  widths: [784, 512, 512, 10],
  nin: "none",
  ninLogit: true,
  sigma: 1,
  noise: "gaussian",
  thetaInit: "default",
  thetaScale: 1,
  cninShape: "chw",
  evalNoise: false,
  l2: 0,
  dropout: 0,
  cdt: 0,
  cdtClip: false,
  lr: 0.01,
  momentum: 0,
  batch: 64,
  epochs: 1,
  seed: 0,
  trainSize: 0,
  holdout: 5000,
  stepLogEvery: 1,
  divergeLoss: 1e6,
};

type Check = (v: unknown, key: string) => unknown;

const finite = (lo: number, hi = Infinity, loOpen = false, hiOpen = false, integer = false): Check => (v, key) => {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new NinrError(`config '${key}' must be a finite number, got ${JSON.stringify(v)}`);
  if (integer && !Number.isInteger(v)) throw new NinrError(`config '${key}' must be an integer, got ${v}`);
  if (loOpen ? v <= lo : v < lo) throw new NinrError(`config '${key}' must be ${loOpen ? ">" : ">="} ${lo}, got ${v}`);
  if (hiOpen ? v >= hi : v > hi) throw new NinrError(`config '${key}' must be ${hiOpen ? "<" : "<="} ${hi}, got ${v}`);
  return v;
};
const oneOf = (...allowed: string[]): Check => (v, key) => {
  if (typeof v !== "string" || !allowed.includes(v)) throw new NinrError(`config '${key}' must be one of ${allowed.join("|")}, got ${JSON.stringify(v)}`);
  return v;
};
const bool: Check = (v, key) => {
  if (typeof v !== "boolean") throw new NinrError(`config '${key}' must be true or false, got ${JSON.stringify(v)}`);
  return v;
};
const widths: Check = (v, key) => {
  if (!Array.isArray(v) || v.length < 2 || v.some((w) => typeof w !== "number" || !Number.isInteger(w) || w < 1))
    throw new NinrError(`config '${key}' must be a list of at least 2 positive integers (e.g. 784,512,512,10), got ${JSON.stringify(v)}`);
  if (v[0] !== 784) throw new NinrError(`config '${key}' must start with 784 (28x28 Fashion-MNIST pixels), got ${v[0]}`);
  if (v[v.length - 1] !== 10) throw new NinrError(`config '${key}' must end with 10 (Fashion-MNIST classes), got ${v[v.length - 1]}`);
  return v;
};

const CHECKS: Record<keyof RunConfig, Check> = {
  model: oneOf("mlp", "cnn"),
  widths,
  nin: oneOf("none", "input", "all"),
  ninLogit: bool,
  sigma: finite(0),
  noise: oneOf("gaussian", "uniform"),
  thetaInit: oneOf("default", "normal", "uniform"),
  thetaScale: finite(0, Infinity, true),
  cninShape: oneOf("chw", "hw"),
  evalNoise: bool,
  l2: finite(0),
  dropout: finite(0, 1, false, true),
  cdt: finite(0),
  cdtClip: bool,
  lr: finite(0, Infinity, true),
  momentum: finite(0, 1, false, true),
  batch: finite(1, Infinity, false, false, true),
  epochs: finite(1, Infinity, false, false, true),
  seed: finite(0, 2 ** 31 - 1, false, false, true),
  trainSize: finite(0, Infinity, false, false, true),
  holdout: finite(0, Infinity, false, false, true),
  stepLogEvery: finite(1, Infinity, false, false, true),
  divergeLoss: finite(0, Infinity, true),
};

/**
 * Merge `partial` over the defaults and validate every key. Unknown keys and bad values are
 * NinrErrors naming the key, the value and what is allowed.
 */
export function resolveConfig(partial: Record<string, unknown> = {}): RunConfig {
  for (const key of Object.keys(partial)) {
    if (!(key in CHECKS)) throw new NinrError(`unknown config key '${key}'; known keys: ${Object.keys(CHECKS).join(", ")}`);
  }
  const out: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [key, check] of Object.entries(CHECKS)) {
    const v = partial[key] ?? (DEFAULT_CONFIG as Record<string, unknown>)[key];
    out[key] = check(v, key);
  }
  return out as RunConfig;
}
