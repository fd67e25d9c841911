/**
 * The phase record of a NINR training run (docs/method.md §2): k = eta * lambda_noise at the
 * start and at the end (the train budget), the k(t) trace in between when the run recorded one
 * (kind "k" metrics, src/dynamics/kTrace.ts), the phase predicted from k at initialization, and
 * the phase observed by the classifier of docs/method.md §2.6 from what the run recorded: the
 * first epoch's step metrics (batch loss, ||theta||, ||J theta||), the NIW probe at later epochs'
 * ends, the outcome, and k (used only for the catapult's fall below the edge: 2 for plain SGD,
 * 2 (1 + beta) with momentum). Without step metrics it says "unresolved" unless the run diverged.
 */
import type { RunConfig } from "../config.ts";
import type { Dataset, Split } from "../data/dataset.ts";
import { streamSeed } from "../engine/keys.ts";
import type { ModelState, Params } from "../models/model.ts";
import { buildNetwork } from "../models/network.ts";
import { budgetBatchSize, CURVATURE_BUDGETS } from "./budgets.ts";
import type { Metric } from "../train/loop.ts";
import { OBSERVED_THRESHOLDS, classifyTrajectory, seriesFromMetrics } from "./classify.ts";
import { type CurvatureResult, measureCurvature } from "./curvature.ts";
import { K_CATAPULT, predictPhase, stabilityEdge } from "./predict.ts";

export type PhaseSummary = {
  k_init: number;
  k_final: number | null;
  lambda_noise_init: number;
  lambda_niw_init: number | null;
  predicted_phase: string;
  /** What the run did (docs/method.md §2.6), independently of the prediction; may be "unresolved". */
  observed_phase: string;
  phase_reason: string;
  /** Final accuracy (holdout, else test) near chance, whatever the phase. */
  near_chance: boolean;
  /** The NIW coupling's decay time when observed within the run (docs/method.md §2.5), else null. */
  niw_decay_time: number | null;
  niw_decay_note: string | null;
  curvature_seconds: number;
};

/**
 * The k series the classifier reads: the run's traced k records (kind "k", src/dynamics/kTrace.ts)
 * when it has them, else k at the start; the end measurement (the larger budget) is the last point.
 */
function kSeries(metrics: Metric[], kInit: number, kFinal: number | null, steps: number): { step: number[]; value: number[] } {
  const traced = metrics.filter((m): m is Extract<Metric, { kind: "k" }> => m.kind === "k");
  const pts = (traced.length ? traced.map((m) => [m.step, m.k] as const) : [[0, kInit] as const]).filter(([t]) => kFinal === null || t < steps);
  const step = pts.map(([t]) => t);
  const value = pts.map(([, k]) => k);
  if (kFinal !== null) {
    step.push(steps);
    value.push(kFinal);
  }
  return { step, value };
}

/** The two measurements' budget: docs/method.md §7, src/dynamics/budgets.ts. */
function budget(cfg: RunConfig, info: Pick<Dataset, "inputShape" | "classes">) {
  const b = CURVATURE_BUDGETS.train;
  return { batches: b.batches, batchSize: budgetBatchSize(b, buildNetwork(cfg, info)), iters: b.iters };
}

/** k and lambda_niw at initialization (the run's start). Borrows params and state. */
export function measureStart(cfg: RunConfig, info: Pick<Dataset, "inputShape" | "classes">, params: Params, state: ModelState, split: Split, clock?: () => number): Promise<CurvatureResult> {
  return measureCurvature(cfg, info, params, state, split, { ...budget(cfg, info), seed: streamSeed(cfg.seed, "curvature/train-start"), which: { noise: true, niw: true, hessian: false }, timeGradient: false, clock });
}

/**
 * The phase record from the start measurement and the finished run (k at the end is measured
 * here unless the run diverged). Borrows params and state.
 */
export async function phaseSummary(
  cfg: RunConfig,
  info: Pick<Dataset, "inputShape" | "classes">,
  split: Split,
  end: {
    params: Params;
    state: ModelState;
    steps: number;
    diverged: boolean;
    finalTrainLoss: number;
    finalAcc: number;
    /** The run's metrics (src/train/loop.ts); without them only divergence can be observed. */
    metrics?: Metric[];
  },
  init: CurvatureResult,
  clock: () => number = () => performance.now(),
): Promise<PhaseSummary> {
  const t0 = clock();
  const kInit = init.k ?? 0;
  let kFinal: number | null = null;
  if (!end.diverged) {
    const r = await measureCurvature(cfg, info, end.params, end.state, split, { ...budget(cfg, info), seed: streamSeed(cfg.seed, "curvature/train-end"), which: { noise: true, niw: false, hessian: false }, timeGradient: false, clock });
    kFinal = r.k;
  }
  const series = seriesFromMetrics(end.metrics ?? []);
  const edge = stabilityEdge(cfg) ?? K_CATAPULT; // momentum moves the edge; Adam has none (the SGD rule is used)
  const obs = classifyTrajectory({
    steps: end.steps,
    classes: info.classes,
    diverged: end.diverged,
    finalAcc: end.finalAcc,
    ...series,
    k: kSeries(end.metrics ?? [], kInit, kFinal, end.steps),
  }, { ...OBSERVED_THRESHOLDS, kCatapult: edge });
  return {
    k_init: kInit,
    k_final: kFinal,
    lambda_noise_init: init.lambda_noise ?? 0,
    lambda_niw_init: init.lambda_niw,
    predicted_phase: predictPhase({ k: kInit, steps: end.steps, edge }),
    observed_phase: obs.phase,
    phase_reason: obs.reason,
    near_chance: obs.nearChance,
    niw_decay_time: obs.niwDecay.time,
    niw_decay_note: obs.niwDecay.note,
    curvature_seconds: init.seconds + (clock() - t0) / 1000,
  };
}
