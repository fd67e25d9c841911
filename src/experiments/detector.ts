/**
 * The detector application (issue 12, the poster's last section) on the synthetic calorimeter
 * (docs/detector.md): prompt vs fragmentation photons; vanilla, L2, Dropout, CDT (training images
 * + one detector-noise realisation), and in-NINR (cNINR on the input image) with white Gaussian
 * noise and with each structured noise kind registered (correlated field, pile-up blobs, the
 * detector's own noise), sigma chosen from measured curvature at each seed's initialization
 * (k = eta * lambda_noise ~ 1 decay, ~ 3 catapult, as in `ninr compare`); trained on the nominal
 * domain, tested on the nominal and the shifted one; plus a logistic regression on the shower
 * shapes ("shower-shapes"). Presets are data; every method trains at the same budget.
 *
 * Jobs are plain `train` jobs (parallel and resumable through any Executor); the ROC evaluation
 * of each finished run happens afterwards (detectorEval.ts).
 */
import type { RunConfig } from "../config.ts";
import "../data/registry.ts"; // registers the calo data sets and the "detector" noise kind
import type { CurvatureBudget } from "../dynamics/budgets.ts";
import { CURVATURE_BUDGETS } from "../dynamics/budgets.ts";
import { NinrError } from "../errors.ts";
import { noiseNames } from "../nin/noiseRegistry.ts";
import type { SigmaPhase } from "./compareSigmas.ts";
import { type Job, makeJob } from "./jobs.ts";

export type DetectorPreset = {
  name: string;
  model: string;
  /** ResNet base width (config `width`; ignored by other models). */
  width: number;
  seeds: number[];
  lr: number;
  batch: number;
  epochs: number;
  /** Training images used of the registered calo set (0 = all 6,000 minus the holdout). */
  trainSize: number;
  holdout: number;
  l2: number;
  dropout: number;
  /** NIN noise kinds with the phases whose sigma is chosen for them ("gaussian" = white). */
  noises: { noise: string; phases: SigmaPhase[] }[];
  sigmaSearch: CurvatureBudget;
};

export const DETECTOR_PRESETS: Record<string, DetectorPreset> = {
  /**
   * Sized for 2 cores in 30 minutes from measured CPU time (docs/detector.md §8: ResNet-18 width 4,
   * about 13 CPU-s per epoch of 2,000 images; estimate ~19 min, not measured end to end): 4,000
   * training images, 3 epochs, 2 seeds, 9 methods; white NINR in both phases, every structured
   * noise in the decay phase.
   */
  quick: {
    name: "quick",
    model: "resnet18",
    width: 4,
    seeds: [0, 1],
    lr: 0.05,
    batch: 64,
    epochs: 3,
    trainSize: 4000,
    holdout: 500,
    l2: 1e-4,
    dropout: 0.2,
    noises: [
      { noise: "gaussian", phases: ["decay", "catapult"] },
      { noise: "correlated", phases: ["decay"] },
      { noise: "pileup", phases: ["decay"] },
      { noise: "detector", phases: ["decay"] },
    ],
    sigmaSearch: CURVATURE_BUDGETS.compareSigmaQuick,
  },
  /** Seconds, for tests: the CNN, 256 images, one epoch, one seed. Not science. */
  smoke: {
    name: "smoke",
    model: "cnn",
    width: 4,
    seeds: [0],
    lr: 0.05,
    batch: 64,
    epochs: 1,
    trainSize: 256,
    holdout: 64,
    l2: 1e-4,
    dropout: 0.2,
    noises: [
      { noise: "gaussian", phases: ["decay"] },
      { noise: "detector", phases: ["decay"] },
    ],
    sigmaSearch: { ...CURVATURE_BUDGETS.smokeSigma, tol: 0.3 },
  },
  /** The full study: ResNet-18 at width 16, all 5,500 training images, 10 epochs, 5 seeds, every noise in both phases. Hours on 2 cores. */
  paper: {
    name: "paper",
    model: "resnet18",
    width: 16,
    seeds: [0, 1, 2, 3, 4],
    lr: 0.02,
    batch: 64,
    epochs: 10,
    trainSize: 0,
    holdout: 500,
    l2: 1e-4,
    dropout: 0.2,
    noises: ["gaussian", "correlated", "pileup", "detector"].map((noise) => ({ noise, phases: ["decay", "catapult"] as SigmaPhase[] })),
    sigmaSearch: CURVATURE_BUDGETS.compareSigmaPaper,
  },
};

/** One method row of the detector table: what the JSON calls method and noise. */
export type DetectorMethod = { method: string; noise: string; phase?: SigmaPhase };

/** A detector sigma choice (one noise kind, phase and seed). */
export type DetectorSigma = { noise: string; phase: SigmaPhase; seed: number; sigma: number; target_k: number; k: number; converged: boolean };

/** Noise kinds of a preset that this build knows (structured kinds come from the noise registry). */
export function presetNoises(p: DetectorPreset): DetectorPreset["noises"] {
  const known = noiseNames();
  return p.noises.filter((n) => known.includes(n.noise));
}

/** The base training config of a preset and seed (dataset, model, budget). */
export function baseConfig(p: DetectorPreset, seed: number): Partial<RunConfig> {
  return { dataset: "calo", model: p.model, width: p.width, lr: p.lr, batch: p.batch, epochs: p.epochs, seed, trainSize: p.trainSize, holdout: p.holdout, stepLogEvery: 50 } as Partial<RunConfig>;
}

export type DetectorCell = DetectorMethod & { seed: number; config: Partial<RunConfig>; sigmaChoice?: DetectorSigma };

/** Every trained cell of a preset (seed-major), with that seed's sigmas. */
export function detectorCells(p: DetectorPreset, sigmas: DetectorSigma[]): DetectorCell[] {
  const out: DetectorCell[] = [];
  for (const seed of p.seeds) {
    const base = baseConfig(p, seed);
    const cell = (m: DetectorMethod, config: Partial<RunConfig>, sigmaChoice?: DetectorSigma): DetectorCell => ({ ...m, seed, config: { ...base, ...config }, ...(sigmaChoice ? { sigmaChoice } : {}) });
    out.push(cell({ method: "vanilla", noise: "none" }, { nin: "none" }));
    out.push(cell({ method: "L2", noise: "none" }, { nin: "none", l2: p.l2 }));
    out.push(cell({ method: "Dropout", noise: "none" }, { nin: "none", dropout: p.dropout }));
    out.push(cell({ method: "CDT", noise: "detector" }, { nin: "none", dataset: "calo-cdt" }));
    for (const { noise, phases } of presetNoises(p))
      for (const phase of phases) {
        const s = sigmas.find((x) => x.noise === noise && x.phase === phase && x.seed === seed);
        if (!s) throw new NinrError(`detector: no sigma chosen for ${noise} ${phase} at seed ${seed}; choose the sigmas first`);
        out.push(cell({ method: `NINR ${phase}`, noise: noise === "gaussian" ? "white" : noise, phase }, { nin: "input", noise, sigma: s.sigma } as Partial<RunConfig>, s));
      }
  }
  return out;
}

export function detectorJobs(cells: DetectorCell[]): Job<"train">[] {
  return cells.map((c) => makeJob("train", { config: c.config, saveParams: true, curvature: false }));
}

/** Method rows in table order (first appearance), as "method|noise" keys. */
export function methodKeys(cells: DetectorMethod[]): string[] {
  return [...new Set(cells.map((c) => `${c.method}|${c.noise}`))];
}
