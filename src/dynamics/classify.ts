/**
 * The observed-phase classifier of docs/method.md §2.6: which phase a training run was seen in,
 * read from what the run did — its per-step loss, the NIW norm ||theta|| and output coupling
 * ||J theta|| of the NIW probe, its outcome (diverged, final accuracy) and, for the catapult
 * only, its measured k(t) — independently of the phase predicted from k at initialization
 * (src/dynamics/predict.ts). Every threshold is in `OBSERVED_THRESHOLDS` (docs/method.md §2.6,
 * values and sources in §7.2). Pure functions: no model runs here.
 */
import { DEFAULT_CONFIG } from "../config.ts";
import type { Metric } from "../train/loop.ts";
import { type TimeWithinRun, logLinearDecayTime, withinRun } from "./fit.ts";
import { K_CATAPULT, type Phase } from "./predict.ts";

export type { Phase };
/** An observed phase: one of the four, or "unresolved" when no rule applies (never a guess). */
export type ObservedPhase = Phase | "unresolved";
/** In the order the report shows them. */
export const OBSERVED_PHASES: readonly ObservedPhase[] = ["decoupled", "decay", "catapult", "divergent", "unresolved"];

export type ClassifierThresholds = {
  /** Loss above this (or NaN/inf anywhere) is divergence (the training loop's `divergeLoss`). */
  divergeLoss: number;
  /** Final accuracy at or below chanceFactor / classes is "at chance": divergent. */
  chanceFactor: number;
  /**
   * Near chance (the `near_chance` flag, whatever the phase): at chance as above, or less than
   * this fraction of the way from chance (1/classes) to perfect accuracy.
   */
  nearChanceSkill: number;
  /** Catapult: the loss and the coupling must both peak at or above riseFactor x their reference. */
  riseFactor: number;
  /** Points of the centred running median applied to the noisy batch loss before the rise test. */
  lossMedianWindow: number;
  /** Catapult: k must fall below this after the rise (|1 - k| >= 1, docs/method.md §2.2). */
  kCatapult: number;
  /**
   * A fitted time (NIW decay, loss relaxation) counts as observed only when it is at most this
   * fraction of the run's steps; longer ones are "not observed within the run".
   */
  withinRunFraction: number;
  /** Decay: the coupling must also fall by at least this factor from its reference to the end. */
  decayMinDrop: number;
  /**
   * Decoupled: ||theta|| stays within this relative change of its reference at every probe, and
   * the coupling never falls more than this below its reference (rises are the network's own
   * Jacobian growing while it learns, docs/method.md §2.6).
   */
  decoupledMaxChange: number;
};

/** The defaults (docs/method.md §2.6; which are ours: §7.2). */
export const OBSERVED_THRESHOLDS: Readonly<ClassifierThresholds> = Object.freeze({
  divergeLoss: DEFAULT_CONFIG.divergeLoss,
  chanceFactor: 1.5,
  nearChanceSkill: 0.2,
  riseFactor: 1.2,
  lossMedianWindow: 5,
  kCatapult: K_CATAPULT,
  withinRunFraction: 0.5,
  decayMinDrop: Math.E,
  decoupledMaxChange: 0.15,
});

/** What the classifier reads: series a run records anyway (src/train/loop.ts step metrics). */
export type ObservedRun = {
  /** Training steps run. */
  steps: number;
  /** Classes of the task (chance accuracy is 1/classes). */
  classes: number;
  /** The run stopped on NaN/inf or a loss above divergeLoss. */
  diverged: boolean;
  /** Final clean accuracy (holdout, else test), 0..1; null when unknown. */
  finalAcc: number | null;
  /** Noisy batch loss; `step` = updates made before it was computed (0: the initial parameters). */
  loss: { step: number[]; value: number[] };
  /**
   * The NIW probe; `step` = updates made when probed (1: after the first step). `coupling` is
   * ||J theta|| and `niwNorm` ||theta||, each combined over NINs as a root sum of squares.
   */
  probe: { step: number[]; coupling: number[]; niwNorm: number[] };
  /** k(t) = eta * lambda_noise(t) where measured (t = 0 first): a dense trace, or start and end. */
  k: { step: number[]; value: number[] };
};

/** The measured facts the rules read, kept with the phase so a reader can check it. */
export type ObservedFacts = {
  /** Peak of the median-smoothed loss / the initial loss. */
  loss_rise: number | null;
  /** Peak coupling / the coupling after the first step. */
  coupling_rise: number | null;
  /** Largest relative change of ||theta|| from its value after the first step. */
  theta_change: number | null;
  /** Coupling after the first step / its lowest value (1: it never fell). */
  coupling_fall: number | null;
  /** Coupling after the first step / at the end. */
  coupling_drop: number | null;
  /** Log-linear time constant of the coupling, however long (the decay time only if inside the run). */
  coupling_tau_fit: number | null;
};

export type Observation = {
  phase: ObservedPhase;
  reason: string;
  /** The run ended near chance (see `nearChanceSkill`), whatever its phase. */
  nearChance: boolean;
  /** The NIW (coupling) decay time when observed within the run, else null with `note`. */
  niwDecay: TimeWithinRun;
  facts: ObservedFacts;
};

/** Chance-level accuracy bounds for `classes` classes under `th`. */
export function chanceLevels(classes: number, th: Pick<ClassifierThresholds, "chanceFactor" | "nearChanceSkill"> = OBSERVED_THRESHOLDS): { atChance: number; nearChance: number } {
  const chance = 1 / Math.max(1, classes);
  const atChance = th.chanceFactor * chance;
  return { atChance, nearChance: Math.max(atChance, chance + th.nearChanceSkill * (1 - chance)) };
}

const fmt = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(2) : Number(x.toPrecision(3)).toString());

/** Centred running median over `w` points (shrinking at the ends). */
function runningMedian(y: number[], w: number): number[] {
  const h = Math.floor(Math.max(1, w) / 2);
  return y.map((_, i) => {
    const win = y.slice(Math.max(0, i - h), i + h + 1).sort((a, b) => a - b);
    const m = win.length >> 1;
    return win.length % 2 ? win[m] : (win[m - 1] + win[m]) / 2;
  });
}

/** Index of the first point at or after step `s` (or -1). */
const firstAt = (steps: number[], s: number) => steps.findIndex((t) => t >= s);

/**
 * Classify a run from what it did. Rules, in order (docs/method.md §2.6):
 * 1. divergent: diverged, NaN/inf or loss above divergeLoss anywhere, or final accuracy at chance;
 * 2. catapult: the median-smoothed loss peaks at >= riseFactor x the initial loss AND the coupling
 *    at >= riseFactor x its value after the first step, and after that rise k is measured below
 *    kCatapult, having been at or above it at an earlier measurement;
 * 3. decay: the coupling's log-linear time constant is at most withinRunFraction x steps and the
 *    coupling fell by at least decayMinDrop from after the first step to the end;
 * 4. decoupled: ||theta|| within decoupledMaxChange of its value after the first step at every
 *    probe, and the coupling never more than decoupledMaxChange below its value there;
 * 5. otherwise unresolved (the reason says what each rule saw).
 */
export function classifyTrajectory(run: ObservedRun, th: ClassifierThresholds = OBSERVED_THRESHOLDS): Observation {
  const levels = chanceLevels(run.classes, th);
  const nearChance = run.finalAcc !== null && run.finalAcc <= levels.nearChance;
  const facts: ObservedFacts = { loss_rise: null, coupling_rise: null, theta_change: null, coupling_fall: null, coupling_drop: null, coupling_tau_fit: null };
  const out = (phase: ObservedPhase, reason: string, niwDecay: TimeWithinRun): Observation => ({ phase, reason, nearChance, niwDecay, facts });

  // 1. Divergent.
  const nonFinite = [...run.loss.value, ...run.probe.coupling, ...run.probe.niwNorm].some((v) => !Number.isFinite(v));
  const maxLoss = run.loss.value.length ? Math.max(...run.loss.value) : -Infinity;
  const divergentDecay = { time: null, note: "divergent run" };
  if (run.diverged || nonFinite || maxLoss > th.divergeLoss)
    return out("divergent", run.diverged ? "stopped on a non-finite or exploding loss" : nonFinite ? "NaN/inf in the loss or the NIW probe" : `loss reached ${fmt(maxLoss)} > ${fmt(th.divergeLoss)}`, divergentDecay);
  if (run.finalAcc !== null && run.finalAcc <= levels.atChance)
    return out("divergent", `final accuracy ${fmt(run.finalAcc)} at chance (<= ${th.chanceFactor}/${run.classes} = ${fmt(levels.atChance)})`, divergentDecay);

  // The references: loss at initialization, probe values after the first step.
  const p = run.probe;
  const i1 = firstAt(p.step, 1);
  if (i1 < 0 || p.step.length - i1 < 2) return out("unresolved", "no NIW probe trace to read (fewer than 2 probes after the first step)", { time: null, note: "no NIW probe trace" });
  const c1 = p.coupling[i1];
  const n1 = p.niwNorm[i1];
  const cs = p.coupling.slice(i1);
  const ns = p.niwNorm.slice(i1);
  const ps = p.step.slice(i1);
  facts.theta_change = n1 > 0 ? Math.max(...ns.map((n) => Math.abs(n / n1 - 1))) : null;
  const cMin = Math.min(...cs);
  facts.coupling_fall = cMin > 0 ? c1 / cMin : null;
  const niwDecay = niwDecayOf(run, th, facts, ps, cs);

  // 2. Catapult.
  let lossCross = -1;
  if (run.loss.value.length >= 2) {
    const l0 = run.loss.value[0];
    const sm = runningMedian(run.loss.value, th.lossMedianWindow);
    facts.loss_rise = l0 > 0 ? Math.max(...sm) / l0 : null;
    const j = sm.findIndex((v) => v >= th.riseFactor * l0);
    if (l0 > 0 && j >= 0) lossCross = run.loss.step[j];
  }
  facts.coupling_rise = c1 > 0 ? Math.max(...cs) / c1 : null;
  const jc = c1 > 0 ? cs.findIndex((v) => v >= th.riseFactor * c1) : -1;
  const couplingCross = jc >= 0 ? ps[jc] : -1;
  let catapultNote = "";
  if (lossCross >= 0 && couplingCross >= 0) {
    const tRise = Math.max(lossCross, couplingCross);
    const ks = run.k.step;
    const kv = run.k.value;
    const jBelow = ks.findIndex((t, j) => t >= tRise && kv[j] < th.kCatapult && kv.slice(0, j).some((k) => k >= th.kCatapult));
    if (jBelow >= 0)
      return out(
        "catapult",
        `loss rose ${fmt(facts.loss_rise!)}x and coupling ${fmt(facts.coupling_rise!)}x (>= ${th.riseFactor}x) by step ${tRise}, then k fell to ${fmt(kv[jBelow])} < ${th.kCatapult} at step ${ks[jBelow]}`,
        niwDecay,
      );
    catapultNote = kv.some((k) => k >= th.kCatapult) ? `loss and coupling rose by step ${tRise} but k was not measured below ${th.kCatapult} after it` : `loss and coupling rose by step ${tRise} but k was never measured at or above ${th.kCatapult}`;
  } else {
    catapultNote = `no catapult rise (loss ${facts.loss_rise === null ? "n/a" : fmt(facts.loss_rise) + "x"}, coupling ${facts.coupling_rise === null ? "n/a" : fmt(facts.coupling_rise) + "x"}; both need >= ${th.riseFactor}x)`;
  }

  // 3. Decay.
  if (niwDecay.time !== null) return out("decay", `coupling decayed ${fmt(facts.coupling_drop!)}x with time constant ${fmt(niwDecay.time)} steps (<= ${th.withinRunFraction} x ${run.steps} steps)`, niwDecay);

  // 4. Decoupled.
  const thetaStill = facts.theta_change !== null && facts.theta_change <= th.decoupledMaxChange;
  const couplingHeld = c1 > 0 && cMin >= (1 - th.decoupledMaxChange) * c1;
  if (thetaStill && couplingHeld)
    return out("decoupled", `||theta|| changed at most ${fmt(100 * facts.theta_change!)}% and the coupling fell at most ${fmt(100 * (1 - cMin / c1))}% (both <= ${fmt(100 * th.decoupledMaxChange)}%); no decay`, niwDecay);

  // 5. Unresolved.
  const decoupledNote = !thetaStill
    ? `||theta|| changed ${facts.theta_change === null ? "n/a" : fmt(100 * facts.theta_change) + "%"} (decoupled needs <= ${fmt(100 * th.decoupledMaxChange)}%)`
    : `the coupling fell ${fmt(100 * (1 - cMin / c1))}% (decoupled needs <= ${fmt(100 * th.decoupledMaxChange)}%)`;
  return out("unresolved", `no rule applies: ${catapultNote}; no decay (${niwDecay.note}); ${decoupledNote}`, niwDecay);
}

/** The coupling's decay time, kept only when observed within the run (fills the facts). */
function niwDecayOf(run: ObservedRun, th: ClassifierThresholds, facts: ObservedFacts, ps: number[], cs: number[]): TimeWithinRun {
  const tau = logLinearDecayTime(ps, cs, 0);
  facts.coupling_tau_fit = tau;
  const end = cs[cs.length - 1];
  facts.coupling_drop = end > 0 ? cs[0] / end : null;
  const w = withinRun(tau, run.steps, th.withinRunFraction, "the coupling");
  if (w.time === null) return w;
  if (!(facts.coupling_drop !== null && facts.coupling_drop >= th.decayMinDrop))
    return { time: null, note: `not observed within the run: the coupling fell only ${facts.coupling_drop === null ? "n/a" : fmt(facts.coupling_drop) + "x"} (< e)` };
  return w;
}

/**
 * The classifier's loss and probe series from a run's metrics (src/train/loop.ts): the step
 * metrics of the first epoch (loss before update `step`, probe after it), then the NIW probe at
 * the end of each later epoch. NINs are combined as a root sum of squares.
 */
export function seriesFromMetrics(metrics: Metric[]): Pick<ObservedRun, "loss" | "probe"> {
  const rss = (v: number[]) => Math.sqrt(v.reduce((s, c) => s + c * c, 0));
  const loss = { step: [] as number[], value: [] as number[] };
  const probe = { step: [] as number[], coupling: [] as number[], niwNorm: [] as number[] };
  for (const m of metrics) {
    if (m.kind === "step") {
      loss.step.push(m.step);
      loss.value.push(m.loss);
      probe.step.push(m.step + 1);
      probe.coupling.push(rss(m.coupling));
      probe.niwNorm.push(rss(m.niw_norm));
    } else if (m.kind === "epoch" && m.step > (probe.step[probe.step.length - 1] ?? 0) && m.niw_norm.length) {
      probe.step.push(m.step);
      probe.coupling.push(rss(m.coupling));
      probe.niwNorm.push(rss(m.niw_norm));
    }
  }
  return { loss, probe };
}
