/**
 * The E1 report: phases.json / phases.csv, the phase diagram (decay times against sigma with
 * the observed phases shaded), NIW-coupling trajectories, k against sigma, the predicted-vs-
 * observed table, and a self-contained report.html. Rebuildable from the run folders alone.
 *
 * The observed phase is what the run did (docs/method.md §2.6, src/dynamics/classify.ts),
 * measured independently of the prediction from k at initialization; "unresolved" is a column
 * of its own and counts as a disagreement.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PhaseRecord, PhaseTrace } from "../../experiments/phaseRun.ts";
import { OBSERVED_PHASES, OBSERVED_THRESHOLDS } from "../../dynamics/classify.ts";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { readRunJson, readSummary } from "../runFolder.ts";
import { checkPhaseRecord } from "./summaryShapes.ts";
import { heatmap, lineChart, phaseDiagram, scatterChart } from "../../report/charts.ts";
import { PHASE_COLORS } from "../../report/theme.ts";
import { htmlReport } from "../../report/html.ts";
import { writeChart } from "./render.ts";
import { toCsv, toMarkdown } from "../../report/tables.ts";

/** The predicted phases, in sigma order (the table's rows). */
const PHASE_ORDER = ["decoupled", "decay", "catapult", "divergent"];
/** The observed phases (the table's columns): the four and "unresolved". */
const OBSERVED_ORDER: readonly string[] = OBSERVED_PHASES;
/** phases.csv: everything a re-analysis needs, the classifier's evidence and the decay-time notes included. */
export const PHASE_COLUMNS = [
  "model", "init", "sigma", "seed", "lr", "steps", "k", "lambda_noise", "lambda_max", "lambda_niw", "predicted_phase", "observed_phase", "near_chance",
  "niw_decay_time", "predicted_decay_time", "train_loss_decay_time", "test_loss_decay_time", "clean_test_acc", "k_min", "k_final", "diverged",
  "loss_rise", "coupling_rise", "theta_change", "coupling_fall", "coupling_drop", "classifier_reason", "niw_decay_note", "train_loss_decay_note", "test_loss_decay_note",
] as const;
/** The report's table of all grid points: the columns a reader compares (the notes are in phases.csv). */
const TABLE_COLUMNS = [
  "model", "init", "sigma", "seed", "k", "predicted_phase", "observed_phase", "near_chance", "niw_decay_time", "predicted_decay_time",
  "train_loss_decay_time", "test_loss_decay_time", "clean_test_acc", "loss_rise", "coupling_rise", "theta_change", "coupling_fall", "k_min", "k_final",
] as const;
/** Why a record has no observed phase of the current classifier. */
export const STALE_REASON = "recorded by the earlier k(t)-only classifier; delete this run's folder and rerun to observe its phase";

export type PhaseRunRef = { dir: string; record: PhaseRecord };

/** Read every finished phase run below `outDir/runs`. */
export function loadPhaseRuns(dirs: string[]): PhaseRunRef[] {
  const out: PhaseRunRef[] = [];
  for (const dir of dirs) {
    const record = checkPhaseRecord(readSummary(dir));
    if (record) {
      // Records from before the observed-phase classifier (no near_chance) read their phase from
      // k(t) alone: shown unresolved rather than as an observation they are not.
      if (typeof record.near_chance !== "boolean") out.push({ dir, record: { ...record, observed_phase: "unresolved", classifier_reason: STALE_REASON } });
      else out.push({ dir, record });
    }
  }
  return out.sort((a, b) => a.record.model.localeCompare(b.record.model) || a.record.sigma - b.record.sigma || a.record.seed - b.record.seed);
}

/** A report section per model and weight init (the default init is left out of the label). */
function groupOf(r: PhaseRecord): string {
  return r.init && r.init !== "pytorch" ? `${r.model} ${r.init}` : r.model;
}

/** Position in the observed order (unknown names last). */
const rank = (p: string) => (OBSERVED_ORDER.includes(p) ? OBSERVED_ORDER.indexOf(p) : OBSERVED_ORDER.length);

/** The most common value (ties: the earlier in the observed order, so "unresolved" loses ties). */
function majority(xs: string[]): string {
  const c = new Map<string, number>();
  for (const x of xs) c.set(x, (c.get(x) ?? 0) + 1);
  return [...c.entries()].sort((a, b) => b[1] - a[1] || rank(a[0]) - rank(b[0]))[0][0];
}

/** Phase bands along sigma: each grid point owns the log-interval halfway to its neighbours. */
export function phaseBands(points: { sigma: number; phase: string }[]): { from: number; to: number; phase: string }[] {
  const s = [...points].sort((a, b) => a.sigma - b.sigma);
  const bands: { from: number; to: number; phase: string }[] = [];
  for (let i = 0; i < s.length; i++) {
    const lo = i === 0 ? s[i].sigma / Math.sqrt(s[1]?.sigma / s[0].sigma || 2) : Math.sqrt(s[i - 1].sigma * s[i].sigma);
    const hi = i === s.length - 1 ? s[i].sigma * Math.sqrt(s[i].sigma / (s[i - 1]?.sigma ?? s[i].sigma / 2)) : Math.sqrt(s[i].sigma * s[i + 1].sigma);
    const last = bands[bands.length - 1];
    if (last && last.phase === s[i].phase) last.to = hi;
    else bands.push({ from: lo, to: hi, phase: s[i].phase });
  }
  return bands;
}

export type PhaseSummary = {
  points: number;
  /** Share of runs whose observed phase is the predicted one (an unresolved run disagrees). */
  agreement: number;
  /** Runs with no observed phase ("unresolved"). */
  unresolved: number;
  /** Agreement among the runs with a resolved observed phase (null when there are none). */
  agreement_resolved: number | null;
  /** Runs that ended near chance (docs/method.md §2.6), whatever their phase. */
  near_chance: number;
  observed_phases_in_sigma_order: string[];
  /** Whether the resolved observed phases appear in the order decoupled, decay, catapult, divergent. */
  ordered: boolean;
};

/** Agreement of predicted and observed phases, and whether observed phases appear in order. */
export function summarizePhases(records: PhaseRecord[]): PhaseSummary {
  const agree = records.filter((r) => r.predicted_phase === r.observed_phase).length;
  const resolved = records.filter((r) => r.observed_phase !== "unresolved");
  const bySigma = new Map<number, string[]>();
  for (const r of records) bySigma.set(r.sigma, [...(bySigma.get(r.sigma) ?? []), r.observed_phase]);
  const seq = [...bySigma.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => majority(v));
  const distinct = seq.filter((p, i) => i === 0 || p !== seq[i - 1]);
  const known = distinct.filter((p) => p !== "unresolved").filter((p, i, a) => i === 0 || p !== a[i - 1]);
  const ordered = known.every((p, i) => i === 0 || rank(p) > rank(known[i - 1]));
  return {
    points: records.length,
    agreement: records.length ? agree / records.length : 0,
    unresolved: records.length - resolved.length,
    agreement_resolved: resolved.length ? agree / resolved.length : null,
    near_chance: records.filter((r) => r.near_chance === true).length,
    observed_phases_in_sigma_order: distinct,
    ordered,
  };
}

/** The sentence every agreement figure comes with. */
export const INDEPENDENCE_NOTE =
  "The observed phase is measured independently of the prediction: from what the run did — the loss, the NIW norm ||theta|| and output coupling ||J theta||, " +
  "NaN/inf or chance-level accuracy — with k(t) used only to see a catapult's fall below the edge, 2 for plain SGD and 2 (1 + beta) with momentum beta (docs/method.md §2.3, §2.6). " +
  "\"unresolved\" means no rule applied; it counts as a disagreement.";

/** Write phases.json, phases.csv, the plots and report.html into `outDir`. */
export async function writePhasesReport(outDir: string, runs: PhaseRunRef[], meta: Record<string, unknown>): Promise<PhaseSummary> {
  const records = runs.map((r) => r.record);
  const summary = summarizePhases(records);
  writeJsonAtomic(join(outDir, "phases.json"), { meta, summary, points: records });
  const rows = records.map((r) => Object.fromEntries(PHASE_COLUMNS.map((c) => [c, r[c] ?? null])));
  writeFileAtomic(join(outDir, "phases.csv"), toCsv(rows));
  const tableRows = records.map((r) => Object.fromEntries(TABLE_COLUMNS.map((c) => [c, r[c] ?? null])));
  const sections: { heading: string; text?: string; svg?: string; tableMarkdown?: string }[] = [];
  const models = [...new Set(records.map(groupOf))];
  const svg = async (spec: object, name: string) => {
    const paths = await writeChart(spec, join(outDir, name));
    return readFileSync(paths.svg, "utf8");
  };

  for (const model of models) {
    const mr = records.filter((r) => groupOf(r) === model);
    const file = model.replace(/[^A-Za-z0-9]+/g, "_");
    const sigmas = [...new Set(mr.map((r) => r.sigma))].sort((a, b) => a - b);
    const observed = sigmas.map((s) => ({ sigma: s, phase: majority(mr.filter((r) => r.sigma === s).map((r) => r.observed_phase)) }));
    const pts: { sigma: number; series: string; value: number }[] = [];
    for (const r of mr) {
      const add = (series: string, v: number | null) => {
        if (v !== null && Number.isFinite(v) && v > 0) pts.push({ sigma: r.sigma, series, value: v });
      };
      add("NIW coupling ||J theta||", r.niw_decay_time);
      add("train loss", r.train_loss_decay_time);
      add("test loss", r.test_loss_decay_time);
      add("theory -1/ln|1-k|", r.predicted_decay_time);
    }
    // Every grid point widens the sigma axis, also those without a finite decay time (divergent runs).
    for (const s of sigmas) if (!pts.some((p) => p.sigma === s)) pts.push({ sigma: s, series: "test loss", value: Number.NaN });
    sections.push({
      heading: `${model.toUpperCase()}: decay times against sigma`,
      text:
        `Observed phases shaded (majority over seeds; docs/method.md §2.6). Decay times in SGD steps, shown only where observed within the run ` +
        `(at most ${OBSERVED_THRESHOLDS.withinRunFraction} x the run's steps, docs/method.md §2.5); the others are null in phases.json/csv with the reason.`,
      svg: await svg(phaseDiagram({ title: `Phase diagram (${model}, in-NINR)`, points: pts, phases: phaseBands(observed), yTitle: "decay time (steps)", logY: true }), `phase_diagram_${file}`),
    });
    const kSpec = scatterChart({
      title: `k at initialization (${model})`,
      data: mr.filter((r) => r.k > 0).map((r) => ({ sigma: r.sigma, k: r.k, observed: r.observed_phase, predicted: r.predicted_phase })),
      x: "sigma",
      y: "k",
      color: "observed",
      shape: "predicted",
      logX: true,
      logY: true,
      yTitle: "k = eta * lambda_noise",
      colorTitle: "observed phase",
      shapeTitle: "predicted phase",
      // The phase colours of the phase diagram, so one phase reads the same in every plot.
      colorScale: { domain: [...OBSERVED_ORDER], range: OBSERVED_ORDER.map((p) => PHASE_COLORS[p]) },
    });
    sections.push({
      heading: `${model.toUpperCase()}: k = eta * lambda_noise at initialization`,
      text: "Prediction: decoupled if k * steps < 3, decay if k < 2, catapult if 2 <= k < 12, divergent above (docs/method.md §2).",
      svg: await svg(kSpec, `k_vs_sigma_${file}`),
    });
    // NIW trajectories: one seed, a few sigmas spread over the grid (one per observed phase if possible).
    const seed0 = Math.min(...mr.map((r) => r.seed));
    const picks: number[] = [];
    for (const ph of OBSERVED_ORDER) {
      const s = observed.filter((o) => o.phase === ph).map((o) => o.sigma);
      if (s.length) picks.push(s[Math.floor(s.length / 2)]);
    }
    const traj: Record<string, unknown>[] = [];
    for (const run of runs.filter((r) => groupOf(r.record) === model && r.record.seed === seed0 && picks.includes(r.record.sigma))) {
      const t = readRunJson(run.dir, "trace.json") as PhaseTrace | null;
      if (!t || !Array.isArray(t.step) || !Array.isArray(t.coupling)) continue;
      const label = `sigma=${run.record.sigma} (${run.record.observed_phase})`;
      t.step.forEach((s, i) => {
        if (Number.isFinite(t.coupling[i]) && t.coupling[i] > 0) traj.push({ step: s, coupling: t.coupling[i], run: label });
      });
    }
    if (traj.length)
      sections.push({
        heading: `${model.toUpperCase()}: NIW output coupling during the first epoch`,
        svg: await svg(lineChart({ title: `||J theta|| trajectories (${model})`, data: traj, x: "step", y: "coupling", color: "run", logY: true, yTitle: "||J theta|| (RMS |d logits / d eps|)", colorTitle: "run" }), `niw_trajectories_${file}`),
      });
  }

  // Predicted against observed: the observed columns include "unresolved".
  const cells: Record<string, unknown>[] = [];
  for (const p of PHASE_ORDER) for (const o of OBSERVED_ORDER) cells.push({ predicted: p, observed: o, runs: records.filter((r) => r.predicted_phase === p && r.observed_phase === o).length });
  const confusionMd = toMarkdown(
    PHASE_ORDER.map((p) => ({ predicted: p, ...Object.fromEntries(OBSERVED_ORDER.map((o) => [o, records.filter((r) => r.predicted_phase === p && r.observed_phase === o).length])) })),
    [{ key: "predicted", title: "predicted (rows) / observed (columns)" }, ...OBSERVED_ORDER.map((o) => ({ key: o }))],
  );
  const agreementText = agreementSentence(summary);
  writeFileAtomic(join(outDir, "predicted_vs_observed.md"), `${confusionMd}\n${agreementText}\n\n${INDEPENDENCE_NOTE}\n`);
  const nearChance = records.filter((r) => r.near_chance === true);
  const stale = records.filter((r) => r.classifier_reason === STALE_REASON).length;
  sections.push({
    heading: "Predicted against observed phase",
    text:
      `${agreementText} Observed phases in sigma order: ${summary.observed_phases_in_sigma_order.join(" -> ")}. ${INDEPENDENCE_NOTE}` +
      (nearChance.length ? ` Near chance (flagged whatever the phase): ${nearChance.map((r) => `${groupOf(r)} sigma=${r.sigma} seed=${r.seed} (${r.observed_phase}, ${(r.clean_test_acc * 100).toFixed(1)}%)`).join("; ")}.` : "") +
      (stale ? ` ${stale} run(s) were ${STALE_REASON}.` : ""),
    svg: await svg(heatmap({ title: "Predicted vs observed phase (runs)", data: cells, x: "observed", y: "predicted", value: "runs", format: "d" }), "predicted_vs_observed"),
    tableMarkdown: confusionMd,
  });
  sections.push({ heading: "All grid points", text: "Empty decay times: not observed within the run (the reason is in phases.csv).", tableMarkdown: toMarkdown(tableRows) });
  writeFileAtomic(
    join(outDir, "report.html"),
    htmlReport({ title: "ninr phases: the NINR phase diagram (E1)", intro: `Command: ${String(meta.command ?? "")}`, sections }),
  );
  return summary;
}

/** "Agreement 46% of 26 runs (3 unresolved, counted as disagreements; 52% of the 23 resolved)." */
export function agreementSentence(s: PhaseSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const resolved = s.points - s.unresolved;
  const tail = s.unresolved ? ` (${s.unresolved} unresolved, counted as disagreements${s.agreement_resolved === null ? "" : `; ${pct(s.agreement_resolved)} of the ${resolved} resolved`})` : "";
  return `Predicted = observed on ${pct(s.agreement)} of ${s.points} runs${tail}.` + (s.near_chance ? ` ${s.near_chance} run(s) ended near chance.` : "");
}
