/**
 * The shapes the reports read from a run's summary.json, checked field by field: files read
 * back are untrusted, and a summary that parses as JSON but holds a string where a number
 * belongs (a hand edit, a damaged copy, an older writer) must be skipped as "not a result of
 * this kind", never crash a report with a TypeError or put garbage in a table.
 */
import type { PhaseRecord } from "../../experiments/phaseRun.ts";

/**
 * What a field may hold: str/num/bool (required; num = finite), with "?" also null or absent
 * (NaN and infinities are written to JSON as null), numMap: an object of finite numbers.
 */
type Kind = "str" | "str?" | "num" | "num?" | "bool" | "bool?" | "numMap";
type Shape = Record<string, Kind>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown) => typeof v === "number" && Number.isFinite(v);

function fits(v: unknown, kind: Kind): boolean {
  if (kind.endsWith("?") && (v === null || v === undefined)) return true;
  switch (kind) {
    case "str":
    case "str?":
      return typeof v === "string";
    case "num":
    case "num?":
      return finite(v);
    case "bool":
    case "bool?":
      return typeof v === "boolean";
    case "numMap":
      return isObject(v) && Object.values(v).every(finite);
  }
}

/** Does `v` have every field of `shape` with the right kind (other fields are free)? */
export function hasShape(v: unknown, shape: Shape): v is Record<string, unknown> {
  return isObject(v) && Object.entries(shape).every(([k, kind]) => fits(Object.hasOwn(v, k) ? v[k] : undefined, kind));
}

const PHASE_RECORD: Shape = {
  model: "str",
  init: "str?",
  nin: "str?",
  sigma: "num",
  lr: "num",
  seed: "num",
  steps: "num?",
  k: "num?",
  lambda_noise: "num?",
  lambda_max: "num?",
  lambda_niw: "num?",
  k_niw: "num?",
  curvature_grad_equivalents: "num?",
  predicted_phase: "str",
  observed_phase: "str",
  classifier_reason: "str?",
  near_chance: "bool?",
  classes: "num?",
  k_final: "num?",
  k_min: "num?",
  niw_decay_time: "num?",
  niw_decay_note: "str?",
  predicted_decay_time: "num?",
  train_loss_decay_time: "num?",
  train_loss_decay_note: "str?",
  test_loss_decay_time: "num?",
  test_loss_decay_note: "str?",
  loss_rise: "num?",
  coupling_rise: "num?",
  theta_change: "num?",
  coupling_fall: "num?",
  coupling_drop: "num?",
  clean_test_acc: "num?",
  diverged: "bool?",
};

/** A phase run's record (summary.json's `phase`), or null when it is missing or malformed. */
export function checkPhaseRecord(summary: Record<string, unknown> | null): PhaseRecord | null {
  return summary && hasShape(summary.phase, PHASE_RECORD) ? (summary.phase as PhaseRecord) : null;
}

const COMPARE_SUMMARY: Shape = {
  method: "str",
  model: "str",
  init: "str?",
  seed: "num",
  sigma: "num?",
  cdt: "num?",
  clean_test_acc: "num",
  holdout_acc: "num?",
  diverged: "bool?",
  epochs: "num?",
  epochs_run: "num?",
  peak_epoch: "num?",
  peak_holdout_acc: "num?",
};
const ROBUSTNESS: Shape = {
  clean_acc: "num?",
  corruption_mean_acc: "num?",
  per_corruption: "numMap",
  gaussian_unclipped: "numMap",
  gaussian_clipped: "numMap",
  relative_corruption_error: "num?",
  baseline: "str?",
};
const SIGMA_CHOICE: Shape = { k: "num?", converged: "bool" };

/** Is `s` a compare run's summary with every field the report reads well-formed (compareReport.ts CompareRunSummary)? */
export function isCompareSummary(s: Record<string, unknown> | null): boolean {
  if (!s || !hasShape(s, COMPARE_SUMMARY) || !hasShape(s.robustness, ROBUSTNESS)) return false;
  return s.sigma_choice === undefined || s.sigma_choice === null || hasShape(s.sigma_choice, SIGMA_CHOICE);
}

const ATTACK_SUMMARY: Shape = {
  kind: "str",
  source: "str",
  method: "str",
  model: "str",
  init: "str",
  seed: "num",
  adversarial_n: "num",
  adversarial_clean_acc: "num",
  domain_shift_n: "num",
  domain_shift_clean_acc: "num?",
  domain_shift: "numMap",
};

/** Is `s` an attack job's summary (src/experiments/attackJob.ts AttackSummary) with every field the report reads well-formed? */
export function isAttackSummary(s: Record<string, unknown> | null): boolean {
  if (!s || !hasShape(s, ATTACK_SUMMARY) || s.kind !== "attack") return false;
  const adv = s.adversarial;
  return isObject(adv) && Object.values(adv).every((m) => fits(m, "numMap"));
}
