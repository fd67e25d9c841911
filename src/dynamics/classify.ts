/**
 * The trajectory classifier of docs/method.md §2: which phase a training run was observed in, from its
 * curvature trace k(t) = eta * lambda_noise(t), its loss and its outcome. Thresholds are named
 * and configurable; the defaults are those of docs/method.md §2.6 (values: §7.2).
 */
import { DEFAULT_CONFIG } from "../config.ts";
import { DECOUPLED_K_STEPS, K_CATAPULT, type Phase } from "./predict.ts";

export type { Phase };

export type ClassifierThresholds = {
  /** Stability threshold of k (docs/method.md §2: |1 - k| >= 1). */
  kCatapult: number;
  /** k * steps below this: the NIWs never feel the curvature (docs/method.md §2 "say > 3"). */
  decoupledKSteps: number;
  /** Training loss above this is divergence. */
  divergeLoss: number;
  /** Final train accuracy at or below this counts as "at chance" (10 classes). */
  chanceAcc: number;
};

export const DEFAULT_THRESHOLDS: ClassifierThresholds = { kCatapult: K_CATAPULT, decoupledKSteps: DECOUPLED_K_STEPS, divergeLoss: DEFAULT_CONFIG.divergeLoss, chanceAcc: 0.15 };

export type Trajectory = {
  /** Steps at which k was measured (first at 0, initialization). */
  kSteps: number[];
  k: number[];
  /** Training steps run. */
  steps: number;
  diverged: boolean;
  maxLoss: number;
  finalTrainAcc: number;
};

export type Classification = { phase: Phase; reason: string };

export function classifyTrajectory(tr: Trajectory, th: ClassifierThresholds = DEFAULT_THRESHOLDS): Classification {
  if (tr.diverged || !Number.isFinite(tr.maxLoss) || tr.maxLoss > th.divergeLoss) return { phase: "divergent", reason: "non-finite or exploding loss" };
  if (tr.finalTrainAcc <= th.chanceAcc) return { phase: "divergent", reason: `final train accuracy ${tr.finalTrainAcc.toFixed(3)} at chance` };
  const k0 = tr.k[0];
  const kMinLater = Math.min(...tr.k.slice(1).filter(Number.isFinite));
  if (k0 >= th.kCatapult) {
    if (kMinLater < th.kCatapult) return { phase: "catapult", reason: `k driven from ${k0.toFixed(2)} to ${kMinLater.toFixed(2)} without divergence` };
    return { phase: "divergent", reason: `k stayed above ${th.kCatapult} (min ${kMinLater.toFixed(2)}) without converging` };
  }
  // Accumulated damping sum_t k(t) (k(t) changes during training; k0 * steps if it does not).
  const kSteps = integrateK(tr);
  if (kSteps < th.decoupledKSteps) return { phase: "decoupled", reason: `sum of k over the run ${kSteps.toFixed(2)} < ${th.decoupledKSteps}` };
  return { phase: "decay", reason: `k stayed below ${th.kCatapult}; sum of k over the run ${kSteps.toFixed(1)}` };
}

/** Trapezoid integral of k(t) over [0, steps], holding the last value to the end. */
export function integrateK(tr: Pick<Trajectory, "kSteps" | "k" | "steps">): number {
  let s = 0;
  for (let i = 1; i < tr.kSteps.length; i++) s += ((tr.k[i] + tr.k[i - 1]) / 2) * (tr.kSteps[i] - tr.kSteps[i - 1]);
  const last = tr.kSteps[tr.kSteps.length - 1];
  if (tr.steps > last) s += tr.k[tr.k.length - 1] * (tr.steps - last);
  return s;
}
