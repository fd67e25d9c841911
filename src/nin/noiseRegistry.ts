/**
 * The NIN noise registry: every noise kind a config's `noise` key can name, each a builder from
 * the config's noise keys to a NoiseModel (src/nin/noise.ts). Built in: white `gaussian` and
 * `uniform` (one scalar per sample), `correlated` (a Gaussian field per sample,
 * src/nin/noiseFields.ts) and `pileup` (Poisson shower-like blobs, src/nin/noisePileup.ts).
 * Other kinds (the calorimeter's detector-like noise) register with `registerNoise`.
 */
import { NinrError } from "../errors.ts";
import { type NoiseModel, whiteNoise } from "./noise.ts";
import { correlatedNoise } from "./noiseFields.ts";
import { pileupNoise } from "./noisePileup.ts";

/** The config keys noise is built from (part of NetworkSpec; defaults in NOISE_DEFAULTS). */
export type NoiseSpec = {
  noise: string;
  sigma: number;
  /** correlated: correlation length in cells (0 = white field). */
  noiseLength: number;
  /** pileup: mean number of blobs per sample. */
  pileupRate: number;
  /** pileup: blob width (Gaussian standard deviation) in cells. */
  pileupSize: number;
  /** pileup: subtract the analytic mean (zero-mean noise). */
  pileupZeroMean: boolean;
};

/** Defaults of the structured-noise keys (ours; docs/method.md §6.1, §7.1). */
export const NOISE_DEFAULTS = { noiseLength: 2, pileupRate: 3, pileupSize: 1.5, pileupZeroMean: true } as const;

export type NoiseEntry = {
  name: string;
  description: string;
  /** Build from the config's noise keys; a NinrError naming the key when they do not fit. */
  build(spec: NoiseSpec): NoiseModel;
};

const BUILT_IN: NoiseEntry[] = [
  { name: "gaussian", description: "white: one N(0, sigma^2) scalar per sample and NIN", build: (s) => whiteNoise("gaussian", s.sigma) },
  { name: "uniform", description: "white: one U(-sqrt(3) sigma, sqrt(3) sigma) scalar per sample and NIN (same variance)", build: (s) => whiteNoise("uniform", s.sigma) },
  {
    name: "correlated",
    description: "a Gaussian field per sample at conv sites, correlation ~exp(-d^2/(2 l^2)) at lag d, l = noiseLength cells, variance sigma^2",
    build: (s) => correlatedNoise(s.sigma, s.noiseLength),
  },
  {
    name: "pileup",
    description: "Poisson(pileupRate) Gaussian blobs of width pileupSize per sample at conv sites, standardised to sigma (zero mean unless pileupZeroMean is false)",
    build: (s) => pileupNoise(s.sigma, { rate: s.pileupRate, size: s.pileupSize, zeroMean: s.pileupZeroMean }),
  },
];

const NOISES = new Map<string, NoiseEntry>(BUILT_IN.map((e) => [e.name, e]));

/** Add a noise kind (a NinrError if the name is taken by a different entry). */
export function registerNoise(entry: NoiseEntry): void {
  const have = NOISES.get(entry.name);
  if (have && have !== entry) throw new NinrError(`a noise kind named '${entry.name}' is already registered`);
  NOISES.set(entry.name, entry);
}

export function noiseNames(): string[] {
  return [...NOISES.keys()];
}

/** The NoiseModel of a config's noise keys. Missing structured keys take NOISE_DEFAULTS. */
export function buildNoise(spec: Pick<NoiseSpec, "noise" | "sigma"> & Partial<NoiseSpec>): NoiseModel {
  const entry = NOISES.get(spec.noise);
  if (!entry) throw new NinrError(`unknown noise '${spec.noise}'; known kinds: ${noiseNames().join(", ")}`);
  return entry.build({
    noise: spec.noise,
    sigma: spec.sigma,
    noiseLength: spec.noiseLength ?? NOISE_DEFAULTS.noiseLength,
    pileupRate: spec.pileupRate ?? NOISE_DEFAULTS.pileupRate,
    pileupSize: spec.pileupSize ?? NOISE_DEFAULTS.pileupSize,
    pileupZeroMean: spec.pileupZeroMean ?? NOISE_DEFAULTS.pileupZeroMean,
  });
}
