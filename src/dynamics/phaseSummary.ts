/**
 * The phase record of a NINR training run (docs/method.md §2): k = eta * lambda_noise at the
 * start and at the end (the cheap two-point version of the E1 trace), the phase predicted from
 * k at initialization, and the phase observed by the classifier of docs/method.md §2.6 from what
 * the run recorded anyway: the first epoch's step metrics (batch loss, ||theta||, ||J theta||),
 * the NIW probe at later epochs' ends, the outcome, and the two k values (used only for the
 * catapult's fall below 2). Without step metrics it says "unresolved" unless the run diverged.
 */
import type { RunConfig } from "../config.ts";
import type { Dataset, Split } from "../data/dataset.ts";
import { streamSeed } from "../engine/keys.ts";
import type { ModelState, Params } from "../models/model.ts";
import { buildNetwork } from "../models/network.ts";
import { budgetBatchSize, CURVATURE_BUDGETS } from "./budgets.ts";
import type { Metric } from "../train/loop.ts";
import { classifyTrajectory, seriesFromMetrics } from "./classify.ts";
import { type CurvatureResult, measureCurvature } from "./curvature.ts";
import { predictPhase } from "./predict.ts";

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
  const obs = classifyTrajectory({
    steps: end.steps,
    classes: info.classes,
    diverged: end.diverged,
    finalAcc: end.finalAcc,
    ...series,
    k: kFinal === null ? { step: [0], value: [kInit] } : { step: [0, end.steps], value: [kInit, kFinal] },
  });
  return {
    k_init: kInit,
    k_final: kFinal,
    lambda_noise_init: init.lambda_noise ?? 0,
    lambda_niw_init: init.lambda_niw,
    predicted_phase: predictPhase({ k: kInit, steps: end.steps }),
    observed_phase: obs.phase,
    phase_reason: obs.reason,
    near_chance: obs.nearChance,
    niw_decay_time: obs.niwDecay.time,
    niw_decay_note: obs.niwDecay.note,
    curvature_seconds: init.seconds + (clock() - t0) / 1000,
  };
}
