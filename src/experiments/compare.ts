/**
 * E2/E3, the papers' comparison (docs/method.md §4.2-§4.3): vanilla, L2 and Dropout grids, CDT at
 * fixed training-noise levels (the poster's baseline) and, as a labelled extra, CDT matched to the
 * in-NINR noise, in-NINR and full-NINR in the decay and catapult phases; for every model, weight
 * init (an experimental factor, docs/method.md §1.6) and seed; clean accuracy and robustness of
 * every model. Presets are data; every method of a preset trains at the same budget.
 *
 * NINR sigmas come from measured curvature at each seed's own initialization
 * (src/experiments/compareSigmas.ts). Matched CDT levels are matched at that same initialization
 * (see `matchedCdt`).
 */
import { tree } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import { resolveConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import { type CurvatureBudget, CURVATURE_BUDGETS } from "../dynamics/budgets.ts";
import type { WeightInit } from "../engine/init.ts";
import { NinrError } from "../errors.ts";
import { buildNetwork } from "../models/network.ts";
import { initialParams } from "../train/loop.ts";
import type { CompareJobSpec, SigmaChoice } from "./compareRun.ts";
import { type ChosenSigma, type SigmaPhase, sigmaOf } from "./compareSigmas.ts";
import { ADVERSARIAL_EPS, PGD_STEPS, PGD_STEP_FACTOR } from "./adversarial.ts";
import type { AttackJobSpec } from "./attackJob.ts";
import { DOMAIN_SHIFT_NAMES } from "./domainShift.ts";
import { type Job, makeJob } from "./jobs.ts";

export type ComparePreset = {
  name: string;
  models: string[];
  /** Weight-init schemes swept (config key `init`; docs/method.md §1.6). Every method runs at each. */
  inits: WeightInit[];
  seeds: number[];
  lr: number;
  batch: number;
  /** Per model name: training images (0 = all) and epochs; the same for every method. */
  budget: Record<string, { trainSize: number; epochs: number }>;
  /** L2 strengths (weights only); the holdout picks one per model and init. */
  l2: number[];
  /** Dropout rates; the holdout picks one per model and init. */
  dropout: number[];
  /** CDT at fixed training-noise std on [0,1] pixels, each its own row "CDT s" (the poster's baseline); the holdout picks one. */
  cdt: number[];
  /** Extra rows: CDT matched to the in-NINR noise of these phases at initialization (ours), "CDT matched (decay level)". */
  cdtMatched: SigmaPhase[];
  /** Robustness evaluation: test images per model name (0 = all 10k), Gaussian grid modes (unclipped first: the spec's metric), corruption severities. */
  robustness: { testSubset: Record<string, number>; gaussianModes: ("clipped" | "unclipped")[]; severities: number[] };
  /**
   * The attack stage after training (src/experiments/attackJob.ts, docs/method.md §4.5): FGSM and
   * PGD-L∞ on the first `adversarialSubset` test images per model (PGD costs about 12 gradients
   * per image and eps), the held-out shifted domains on `shiftSubset` (0 = all 10k: forward only).
   */
  attack: { adversarialSubset: Record<string, number>; shiftSubset: Record<string, number>; eps: number[]; pgdSteps: number };
  /** Curvature measurement used for sigma selection (src/dynamics/budgets.ts); its tol must pass checkSigmaTolerance. */
  sigmaSearch: CurvatureBudget;
};

/** A per-model setting of a preset, or a NinrError naming the preset and the model. */
export function forModel<T>(p: { name: string }, table: Record<string, T>, model: string, what: string): T {
  if (!Object.hasOwn(table, model)) throw new NinrError(`compare preset '${p.name}' has no ${what} for model '${model}' (it has ${Object.keys(table).join(", ")})`);
  return table[model];
}

const BOTH_GRIDS: ("unclipped" | "clipped")[] = ["unclipped", "clipped"];
const FIXED_CDT = [0.1, 0.3, 0.5];

export const COMPARE_PRESETS: Record<string, ComparePreset> = {
  /**
   * Minutes, not hours: 2 seeds, training subsets, one L2 and one Dropout strength, 2,000 test
   * images. eta = 0.05 (not the paper protocol's 0.01) so that a short budget reaches a meaningful
   * accuracy; every method uses the same eta and the NINR sigmas are measured at it.
   */
  quick: {
    name: "quick",
    models: ["mlp", "cnn"],
    inits: ["pytorch"],
    seeds: [0, 1],
    lr: 0.05,
    batch: 64,
    budget: { mlp: { trainSize: 10000, epochs: 2 }, cnn: { trainSize: 2000, epochs: 1 } },
    l2: [1e-4],
    dropout: [0.2],
    cdt: FIXED_CDT,
    cdtMatched: ["decay"],
    // The CNN costs about 10x the MLP per sample on this CPU backend (W1 3,858 vs W2 409 samples/s
    // per train step, bench/README.md; 18x when this preset was sized): fewer test images and conditions.
    robustness: { testSubset: { mlp: 2000, cnn: 500 }, gaussianModes: BOTH_GRIDS, severities: [1, 3, 5] },
    attack: { adversarialSubset: { mlp: 500, cnn: 200 }, shiftSubset: { mlp: 2000, cnn: 500 }, eps: [...ADVERSARIAL_EPS], pgdSteps: PGD_STEPS },
    sigmaSearch: CURVATURE_BUDGETS.compareSigmaQuick,
  },
  /** Seconds, for tests and CI smoke runs: one seed, tiny budgets, one fixed CDT level. Not science. */
  smoke: {
    name: "smoke",
    models: ["mlp"],
    inits: ["pytorch"],
    seeds: [0],
    lr: 0.05,
    batch: 64,
    budget: { mlp: { trainSize: 640, epochs: 1 }, cnn: { trainSize: 128, epochs: 1 } },
    l2: [1e-4],
    dropout: [0.2],
    cdt: [0.3],
    cdtMatched: ["decay"],
    robustness: { testSubset: { mlp: 200, cnn: 100 }, gaussianModes: BOTH_GRIDS, severities: [1] },
    attack: { adversarialSubset: { mlp: 40, cnn: 20 }, shiftSubset: { mlp: 200, cnn: 100 }, eps: [0.05, 0.1], pgdSteps: 3 },
    // The smoke budget's tol 0.5 would let decay and catapult targets meet at k = 1.5.
    sigmaSearch: { ...CURVATURE_BUDGETS.smokeSigma, tol: 0.3 },
  },
  /**
   * The paper protocol (docs/method.md §4): eta 0.01, batch 64, 5 seeds, all L2/Dropout strengths,
   * CDT at 0.1/0.3/0.5, full data, trained to convergence: 50 epochs for the MLP (at 20 the holdout
   * still rose; a PyTorch oracle gains 2 more points by 50, docs/method.md §4.2), 10 for the CNN
   * (about 3 min an epoch on 2 cores; `ninr compare --epochs N` sets another budget). Epoch counts
   * are ours (docs/method.md §7.4). Hours to days on 2 cores.
   */
  paper: {
    name: "paper",
    models: ["mlp", "cnn"],
    inits: ["pytorch"],
    seeds: [0, 1, 2, 3, 4],
    lr: 0.01,
    batch: 64,
    budget: { mlp: { trainSize: 0, epochs: 50 }, cnn: { trainSize: 0, epochs: 10 } },
    l2: [1e-5, 1e-4, 1e-3],
    dropout: [0.2, 0.5],
    cdt: FIXED_CDT,
    cdtMatched: ["decay"],
    robustness: { testSubset: { mlp: 0, cnn: 0 }, gaussianModes: BOTH_GRIDS, severities: [1, 2, 3, 4, 5] },
    // 2,000 images: a robust accuracy to about ±1 point (binomial), at ~1 min per MLP model on one core.
    attack: { adversarialSubset: { mlp: 2000, cnn: 500 }, shiftSubset: { mlp: 0, cnn: 0 }, eps: [...ADVERSARIAL_EPS], pgdSteps: PGD_STEPS },
    sigmaSearch: CURVATURE_BUDGETS.compareSigmaPaper,
  },
};

/** Method families: grids (the holdout picks one strength per model and init) and single rows. */
export type MethodFamily = "vanilla" | "L2" | "Dropout" | "CDT" | "CDT matched" | "in-NINR decay" | "in-NINR catapult" | "full-NINR decay" | "full-NINR catapult";
export const GRID_FAMILIES: readonly MethodFamily[] = ["L2", "Dropout", "CDT"];
const NINR_FAMILIES: readonly MethodFamily[] = ["in-NINR decay", "in-NINR catapult", "full-NINR decay", "full-NINR catapult"];

/** The family of a method row's name ("L2 0.0001" -> "L2", "CDT 0.3" -> "CDT", "CDT matched (decay level)" -> "CDT matched"); null for unknown names. */
export function methodFamily(method: string): MethodFamily | null {
  if (method === "vanilla" || (NINR_FAMILIES as readonly string[]).includes(method)) return method as MethodFamily;
  if (/^L2 \S+$/.test(method)) return "L2";
  if (/^Dropout \S+$/.test(method)) return "Dropout";
  if (/^CDT matched \((decay|catapult) level\)$/.test(method)) return "CDT matched";
  if (/^CDT \S+$/.test(method)) return "CDT";
  return null;
}

/**
 * CDT noise matched to in-NINR noise at initialization: the same RMS perturbation of what the
 * NIN feeds. Dense first layer (fcNINR): theta_j eps shifts z_j with std sigma |theta_j|, input
 * noise shifts it with std s ||W_j||, so s = sigma * rms(theta) / rms_j ||W_j||. Conv first
 * layer (cNINR): the NIN perturbs the pixels themselves, so s = sigma * rms(theta).
 * @param theta the input NIN's theta; @param weight for fcNINR, the fed layer's weights [n_out, n_in] row-major
 */
export function matchedCdtLevel(sigma: number, theta: ArrayLike<number>, weight?: { data: ArrayLike<number>; nOut: number }): number {
  let sq = 0;
  for (let i = 0; i < theta.length; i++) sq += theta[i] * theta[i];
  let s = sigma * Math.sqrt(sq / theta.length);
  if (weight) {
    let w2 = 0;
    for (let i = 0; i < weight.data.length; i++) w2 += weight.data[i] * weight.data[i];
    s /= Math.sqrt(w2 / weight.nOut); // rms over units j of ||W_j||
  }
  return Number(s.toPrecision(4));
}

/** `matchedCdtLevel` at a model's initialization for `init` and `seed` (default: pytorch, seed 0), on data of shape `info`. */
export async function matchedCdt(model: string, sigma: number, lr: number, info: Pick<Dataset, "inputShape" | "classes" | "range">, at: { init?: WeightInit; seed?: number } = {}): Promise<number> {
  const cfg = resolveConfig({ model, init: at.init ?? "pytorch", nin: "input", sigma, lr, seed: at.seed ?? 0 });
  const site = buildNetwork(cfg, info).sites[0];
  const { params, state } = initialParams(cfg, info);
  try {
    const theta = (await params[`${site.name}.theta`].ref.data()) as Float32Array;
    let weight: { data: Float32Array; nOut: number } | undefined;
    if (site.kind === "fc") {
      if (!site.weight) throw new NinrError(`model '${model}' does not declare the weight its input NIN feeds; CDT cannot be matched`);
      const w = params[site.weight];
      weight = { data: (await w.ref.data()) as Float32Array, nOut: w.shape[0] }; // [n_out, n_in]
    }
    return matchedCdtLevel(sigma, theta, weight);
  } finally {
    tree.dispose(params);
    tree.dispose(state);
  }
}

/** The k a NINR run's sigma was chosen for (recorded in the run's summary); for matched CDT, the in-NINR choice it is matched to. */
export type { SigmaChoice };

/** One cell of the comparison: a method of one model, init and seed, with its full config. */
export type MethodSpec = { method: string; family: MethodFamily; model: string; init: WeightInit; seed: number; config: Partial<RunConfig>; sigmaChoice?: SigmaChoice };

const choice = (c: ChosenSigma): SigmaChoice => ({ nin: c.nin, phase: c.phase, sigma: c.sigma, target_k: c.target_k, k: c.k, converged: c.converged });

/**
 * The comparison's methods for one model, init and seed, with their configs (that seed's sigmas
 * and matched CDT levels resolved), in table order: vanilla, L2s, Dropouts, fixed CDTs, matched
 * CDTs, in-NINR decay/catapult, full-NINR decay/catapult. `fitSize`: training images after the holdout.
 */
export async function compareMethods(p: ComparePreset, cell: { model: string; init: WeightInit; seed: number }, sigmas: ChosenSigma[], fitSize: number, info: Pick<Dataset, "inputShape" | "classes" | "range">): Promise<MethodSpec[]> {
  const { model, init, seed } = cell;
  const budget = forModel(p, p.budget, model, "training budget");
  // A budget larger than the data (e.g. on the bundled sample) means "all of it".
  const trainSize = budget.trainSize >= fitSize ? 0 : budget.trainSize;
  const base: Partial<RunConfig> = { model, init, lr: p.lr, batch: p.batch, trainSize, epochs: budget.epochs, seed, stepLogEvery: 50 };
  const sig = (nin: "input" | "all", phase: SigmaPhase) => sigmaOf(sigmas, { model, init, seed, nin, phase });
  const m = (method: string, family: MethodFamily, config: Partial<RunConfig>, sigmaChoice?: SigmaChoice): MethodSpec => ({ method, family, model, init, seed, config: { ...base, ...config }, ...(sigmaChoice ? { sigmaChoice } : {}) });
  const methods: MethodSpec[] = [m("vanilla", "vanilla", { nin: "none" })];
  for (const l2 of p.l2) methods.push(m(`L2 ${l2}`, "L2", { nin: "none", l2 }));
  for (const d of p.dropout) methods.push(m(`Dropout ${d}`, "Dropout", { nin: "none", dropout: d }));
  for (const s of p.cdt) methods.push(m(`CDT ${s}`, "CDT", { nin: "none", cdt: s }));
  for (const phase of p.cdtMatched) {
    const c = sig("input", phase);
    methods.push(m(`CDT matched (${phase} level)`, "CDT matched", { nin: "none", cdt: await matchedCdt(model, c.sigma, p.lr, info, { init, seed }) }, choice(c)));
  }
  for (const nin of ["input", "all"] as const)
    for (const phase of ["decay", "catapult"] as const) {
      const c = sig(nin, phase);
      methods.push(m(`${nin === "input" ? "in" : "full"}-NINR ${phase}`, `${nin === "input" ? "in" : "full"}-NINR ${phase}`, { nin, sigma: c.sigma }, choice(c)));
    }
  return methods;
}

/**
 * Every cell of a preset: models x seeds x inits x methods (each seed with its own sigmas).
 * Seed-major so that a sweep stopped part-way (or still running) has whole seeds at every init,
 * the comparison the report needs, rather than every seed of one init and none of the other.
 */
export async function compareCells(p: ComparePreset, sigmas: ChosenSigma[], fitSize: number, info: Pick<Dataset, "inputShape" | "classes" | "range">): Promise<MethodSpec[]> {
  const out: MethodSpec[] = [];
  for (const model of p.models) for (const seed of p.seeds) for (const init of p.inits) out.push(...(await compareMethods(p, { model, init, seed }, sigmas, fitSize, info)));
  return out;
}

/** One `compare` job per cell. */
export function compareJobs(p: ComparePreset, cells: MethodSpec[]): Job<"compare">[] {
  return cells.map((m) => {
    const spec: CompareJobSpec = {
      method: m.method,
      config: m.config,
      testSubset: forModel(p, p.robustness.testSubset, m.model, "test subset"),
      gaussianModes: p.robustness.gaussianModes,
      severities: p.robustness.severities,
      ...(m.sigmaChoice ? { sigmaChoice: m.sigmaChoice } : {}),
    };
    return makeJob("compare", spec);
  });
}

/**
 * One attack job per compare job (the same order): adversarial and domain-shift evaluation of its
 * trained model, run after it (src/experiments/attackJob.ts). Fixed seeds: every model meets the
 * same PGD starts and the same elastic fields, so differences are the models'.
 */
export function attackJobs(p: ComparePreset, trained: Job<"compare">[]): Job<"attack">[] {
  return trained.map((j) => {
    const model = String(j.spec.config.model ?? "mlp");
    const spec: AttackJobSpec = {
      source: j.hash,
      method: j.spec.method,
      config: j.spec.config,
      adversarial: { eps: p.attack.eps, attacks: ["fgsm", "pgd"], steps: p.attack.pgdSteps, stepFactor: PGD_STEP_FACTOR, testSubset: forModel(p, p.attack.adversarialSubset, model, "adversarial test subset"), seed: 0 },
      domainShift: { shifts: [...DOMAIN_SHIFT_NAMES], testSubset: forModel(p, p.attack.shiftSubset, model, "domain-shift test subset"), seed: 0 },
    };
    return makeJob("attack", spec);
  });
}

/** The method names of cells in table order (first appearance). */
export function methodOrder(cells: Pick<MethodSpec, "method">[]): string[] {
  return [...new Set(cells.map((c) => c.method))];
}
