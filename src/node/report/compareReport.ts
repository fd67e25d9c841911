/**
 * The E2/E3 report (docs/method.md §4.2-§4.3): compare.json (one row per method, model and weight
 * init), compare.md (mean ± std over seeds, split by model and init, unclipped test noise first and
 * clipped beside it, the holdout's choice in each L2/Dropout/CDT grid marked, the epoch at which
 * the holdout accuracy peaked), poster.md (the poster's table beside ours, src/node/report/poster.ts),
 * compare.csv, accuracy-vs-test-noise curves with error bands (unclipped and clipped), a
 * corruption x method heat map, and a self-contained report.html. Rebuildable from the run
 * folders alone (read through src/node/runFolder.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ACROSS_NOTE, acrossInitsTable } from "./acrossInits.ts";
import { TEST_NOISE, verdictTable } from "./verdicts.ts";

export { verdictTable };
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { RUN_FILES, readHoldoutCurve, readRunJson, readSummary } from "../runFolder.ts";
import { heatmap, lineChart } from "../../report/charts.ts";
import { htmlReport } from "../../report/html.ts";
import { writeChart } from "./render.ts";
import { formatMeanStd, toCsv, toMarkdown } from "../../report/tables.ts";
import { GRID_FAMILIES, type SigmaChoice, methodFamily } from "../../experiments/compare.ts";
import type { RobustnessSummary } from "../../experiments/robustness.ts";
import { mean, sampleStd } from "../../stats.ts";
import { type CompareRow, HOLDOUT_TAIL, compareGroups } from "./compareRows.ts";
import { ADV_NOTE, type AttackRow, SHIFT_NOTE, attackTables } from "./compareAttacks.ts";
import { posterMarkdown } from "./poster.ts";
import { isCompareSummary } from "./summaryShapes.ts";

export { type CompareRow, compareGroups };

/** What the report reads of a compare run's summary.json (fields added later are optional: older runs lack them). */
export type CompareRunSummary = {
  method: string;
  model: string;
  /** Weight init (config key `init`); runs from before it was a factor read as the default, pytorch. */
  init?: string;
  seed: number;
  sigma: number | null;
  cdt?: number | null;
  clean_test_acc: number;
  holdout_acc?: number | null;
  diverged: boolean;
  epochs?: number;
  epochs_run?: number;
  peak_epoch?: number | null;
  peak_holdout_acc?: number | null;
  sigma_choice?: SigmaChoice | null;
  robustness: RobustnessSummary;
  /** Holdout accuracy per epoch (read from the run's metrics.jsonl, not its summary). */
  holdout_curve?: number[] | null;
};


export type LoadedCompareRun = CompareRunSummary & { init: string; cdt: number | null };

/** Sample standard deviation; NaN for one seed (the tables then show the mean alone). */
const std = sampleStd;
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Every finished compare run among `dirs` (others are skipped: unfinished, damaged, or not compare runs). */
export function loadCompareRuns(dirs: string[]): LoadedCompareRun[] {
  const out: LoadedCompareRun[] = [];
  for (const dir of dirs) {
    const raw = readSummary(dir);
    if (!isCompareSummary(raw)) continue;
    const s = raw as CompareRunSummary & Record<string, unknown>;
    const config = readRunJson(dir, RUN_FILES.config);
    const cdt = Number(s.cdt ?? config?.cdt ?? 0);
    const init = typeof s.init === "string" ? s.init : typeof config?.init === "string" ? config.init : "pytorch";
    out.push({ ...s, init, cdt: cdt > 0 ? cdt : null, holdout_curve: readHoldoutCurve(dir) });
  }
  return out;
}


/** Aggregate runs into one row per (model, init, method), methods in `methodOrder`; marks the holdout's choice in each grid. */
export function aggregateCompare(runs: (CompareRunSummary & { init?: string; cdt?: number | null })[], methodOrder: string[]): CompareRow[] {
  const all = runs.map((r) => ({ ...r, init: r.init ?? "pytorch", cdt: r.cdt ?? null }));
  const rank = (m: string) => (methodOrder.includes(m) ? methodOrder.indexOf(m) : methodOrder.length);
  const methods = [...new Set(all.map((r) => r.method))].sort((a, b) => rank(a) - rank(b));
  const rows: CompareRow[] = [];
  for (const { model, init } of compareGroups(all))
    for (const method of methods) {
      const rs = all.filter((r) => r.model === model && r.init === init && r.method === method).sort((a, b) => a.seed - b.seed);
      if (!rs.length) continue;
      const vanilla = all.filter((r) => r.model === model && r.init === init && r.method === "vanilla");
      const gauss = (mode: "gaussian_unclipped" | "gaussian_clipped", agg: (v: number[]) => number) => {
        const keys = [...new Set(rs.flatMap((r) => Object.keys(r.robustness[mode] ?? {})))].sort((a, b) => Number(a) - Number(b));
        return Object.fromEntries(keys.map((k) => [k, agg(rs.map((r) => r.robustness[mode]?.[k]).filter(isNum))]));
      };
      const corr = rs.map((r) => r.robustness.corruption_mean_acc).filter(isNum);
      const rel: number[] = [];
      for (const r of rs) {
        const v = vanilla.find((x) => x.seed === r.seed);
        if (!v) continue;
        const err = Object.values(r.robustness.per_corruption).reduce((s, a) => s + (1 - a), 0);
        const verr = Object.values(v.robustness.per_corruption).reduce((s, a) => s + (1 - a), 0);
        if (verr > 0) rel.push(err / verr);
      }
      const names = Object.keys(rs[0].robustness.per_corruption);
      const ks = rs.map((r) => r.sigma_choice?.k).filter(isNum);
      const holdout = rs.map((r) => r.holdout_acc).filter(isNum);
      const peaks = rs.filter((r) => isNum(r.peak_epoch));
      const sigmas = rs.map((r) => r.sigma).filter(isNum);
      const cdts = rs.map((r) => r.cdt).filter(isNum);
      const family = methodFamily(method);
      const curves = rs.map((r) => r.holdout_curve).filter((c): c is number[] => Array.isArray(c) && c.length > 0);
      const tails = curves.filter((c) => c.length > HOLDOUT_TAIL).map((c) => (c[c.length - 1] - c[c.length - 1 - HOLDOUT_TAIL]));
      const longest = Math.max(0, ...curves.map((c) => c.length));
      rows.push({
        method,
        family,
        model,
        init,
        seeds: rs.length,
        sigma_per_seed: sigmas.length ? sigmas : null,
        cdt_per_seed: cdts.length ? cdts : null,
        k_init_mean: ks.length ? mean(ks) : null,
        k_init_std: ks.length ? std(ks) : null,
        sigma_unconverged: rs.filter((r) => r.sigma_choice && !r.sigma_choice.converged).length,
        clean_acc_mean: mean(rs.map((r) => r.clean_test_acc)),
        clean_acc_std: std(rs.map((r) => r.clean_test_acc)),
        holdout_acc_mean: mean(holdout),
        holdout_acc_std: std(holdout),
        holdout_choice: family !== null && GRID_FAMILIES.includes(family) ? false : null,
        epochs: isNum(rs[0].epochs) ? rs[0].epochs : null,
        peak_epoch_mean: mean(peaks.map((r) => r.peak_epoch as number)),
        peak_epoch_std: std(peaks.map((r) => r.peak_epoch as number)),
        peak_holdout_mean: mean(peaks.map((r) => r.peak_holdout_acc).filter(isNum)),
        peak_holdout_std: std(peaks.map((r) => r.peak_holdout_acc).filter(isNum)),
        peak_at_last_epoch: peaks.filter((r) => r.peak_epoch === (r.epochs_run ?? r.epochs)).length,
        holdout_tail_gain_mean: mean(tails),
        holdout_tail_gain_std: std(tails),
        holdout_curve_mean: Array.from({ length: longest }, (_, e) => mean(curves.filter((c) => c.length > e).map((c) => c[e]))),
        gaussian_unclipped_acc: gauss("gaussian_unclipped", mean),
        gaussian_unclipped_std: gauss("gaussian_unclipped", std),
        gaussian_clipped_acc: gauss("gaussian_clipped", mean),
        gaussian_clipped_std: gauss("gaussian_clipped", std),
        corruption_mean_acc: corr.length ? mean(corr) : null,
        corruption_mean_std: corr.length ? std(corr) : null,
        per_corruption_acc: Object.fromEntries(names.map((n) => [n, mean(rs.map((r) => r.robustness.per_corruption[n]).filter(isNum))])),
        relative_corruption_error: rel.length ? mean(rel) : null,
        diverged_runs: rs.filter((r) => r.diverged).length,
        per_seed: rs.map((r) => ({ seed: r.seed, clean: r.clean_test_acc, unclipped: { ...(r.robustness.gaussian_unclipped ?? {}) }, clipped: { ...(r.robustness.gaussian_clipped ?? {}) } })),
      });
    }
  markHoldoutChoice(rows);
  return rows;
}

/**
 * In each grid (L2, Dropout, CDT at fixed levels) of each model and init, mark the strength with
 * the best mean final holdout accuracy (the first in table order on ties); none when no row of the
 * grid has a holdout accuracy. Mutates and returns `rows`.
 */
export function markHoldoutChoice(rows: CompareRow[]): CompareRow[] {
  for (const { model, init } of compareGroups(rows))
    for (const family of GRID_FAMILIES) {
      const grid = rows.filter((r) => r.model === model && r.init === init && r.family === family);
      for (const r of grid) r.holdout_choice = false;
      let best: CompareRow | null = null;
      for (const r of grid) if (Number.isFinite(r.holdout_acc_mean) && (best === null || r.holdout_acc_mean > best.holdout_acc_mean)) best = r;
      if (best) best.holdout_choice = true;
    }
  return rows;
}

/** "MLP, init pytorch". */
export const groupTitle = (g: { model: string; init: string }) => `${g.model.toUpperCase()}, init ${g.init}`;
/** File-name suffix of a group: the model, plus the init unless it is the default (robustness_mlp, robustness_mlp_he_normal). */
const groupFile = (g: { model: string; init: string }) => (g.init === "pytorch" ? g.model : `${g.model}_${g.init.replace(/[^A-Za-z0-9]+/g, "_")}`);

const pct = (m: number | undefined, s: number | undefined) => (m === undefined || !Number.isFinite(m) ? "n/a" : formatMeanStd(m * 100, (s ?? NaN) * 100));

/** "sigma 100.8", or "sigma 95.1–104" when the seeds' values differ. */
function levels(prefix: string, xs: number[]): string {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const f = (v: number) => String(Number(v.toPrecision(4)));
  return lo === hi ? `${prefix} ${f(lo)}` : `${prefix} ${f(lo)}–${f(hi)}`;
}

/** The "noise level" cell: sigma or CDT level (per-seed range), and the k at initialization it was chosen for. */
export function noiseCell(r: CompareRow): string {
  const parts: string[] = [];
  if (r.sigma_per_seed) parts.push(levels("sigma", r.sigma_per_seed));
  if (r.cdt_per_seed) parts.push(levels("s", r.cdt_per_seed));
  if (r.k_init_mean !== null) parts.push(`k ${formatMeanStd(r.k_init_mean, r.k_init_std ?? NaN, 2)}${r.sigma_unconverged ? "*" : ""}`);
  return parts.join(", ");
}


/** The compare.md table of one model and init. */
export function compareTable(rows: CompareRow[]): string {
  return toMarkdown(
    rows.map((r) => ({
      method: r.method,
      noise: noiseCell(r),
      clean: pct(r.clean_acc_mean, r.clean_acc_std),
      holdout: `${pct(r.holdout_acc_mean, r.holdout_acc_std)}${r.holdout_choice ? " ✓" : ""}`,
      peak: Number.isFinite(r.peak_epoch_mean) ? `${formatMeanStd(r.peak_epoch_mean, r.peak_epoch_std)}${r.epochs !== null ? ` / ${r.epochs}` : ""}${r.peak_at_last_epoch ? " †" : ""}` : "n/a",
      peakAcc: pct(r.peak_holdout_mean, r.peak_holdout_std),
      tail: Number.isFinite(r.holdout_tail_gain_mean) ? `${r.holdout_tail_gain_mean >= 0 ? "+" : "−"}${formatMeanStd(Math.abs(r.holdout_tail_gain_mean) * 100, r.holdout_tail_gain_std * 100)}` : "n/a",
      ...Object.fromEntries(TEST_NOISE.map((s) => [`u${s}`, pct(r.gaussian_unclipped_acc[s], r.gaussian_unclipped_std[s])])),
      ...Object.fromEntries(TEST_NOISE.map((s) => [`c${s}`, pct(r.gaussian_clipped_acc[s], r.gaussian_clipped_std[s])])),
      corr: r.corruption_mean_acc === null ? "n/a" : pct(r.corruption_mean_acc, r.corruption_mean_std ?? NaN),
      rel: r.relative_corruption_error === null ? "n/a" : r.relative_corruption_error.toFixed(3),
      seeds: r.seeds,
    })),
    [
      { key: "method", title: "method" }, { key: "noise", title: "noise level, k at init" }, { key: "clean", title: "clean" },
      { key: "holdout", title: "holdout (✓ choice)" }, { key: "peak", title: "peak epoch" }, { key: "peakAcc", title: "peak holdout" }, { key: "tail", title: `holdout gain, last ${HOLDOUT_TAIL} epochs` },
      ...TEST_NOISE.map((s) => ({ key: `u${s}`, title: `unclipped s=${s}` })),
      ...TEST_NOISE.map((s) => ({ key: `c${s}`, title: `clipped s=${s}` })),
      { key: "corr", title: "corruption mean" }, { key: "rel", title: "rel. corruption error" }, { key: "seeds", title: "seeds" },
    ],
  );
}

const VERDICT_NOTE =
  "Paired by seed, in points: mean ± sample std over seeds of (NINR − vanilla) on clean data and (NINR − best baseline) under test noise, then the answer and the seeds in which it holds " +
  "(within 2 / ahead only when it holds in every seed, not when in none, mixed otherwise). Best baseline: of vanilla and the holdout's L2 and Dropout choices, the one with the best mean at that noise level. " +
  "With three seeds a mixed answer, or a difference smaller than its spread, is not a finding.";

const COMPARE_INTRO =
  "Accuracy in %, mean ± std over seeds (sample std). One table per model and weight init. " +
  "Test noise x + N(0, s^2) on [0,1] pixels: unclipped (the spec's metric) first, clipped to [0,1] beside it. " +
  "k = eta * lambda_noise at each seed's own initialization, the NINR sigma being chosen per seed for k ~ 1 (decay) or ~ 3 (catapult); " +
  "lambda_noise is the top Gauss-Newton eigenvalue of the response to the NINs through all parameters (docs/method.md §2.3), about 2-2.5x the NIW-block value (the catapult threshold k = 2 is in these units); " +
  "* on k: the search did not reach its tolerance for some seed. Matched CDT: the k of the in-NINR sigma it is matched to. " +
  "Holdout: final accuracy on the training images held out of training (5k of the full set); ✓ marks the holdout's choice in each L2, Dropout and fixed-level CDT grid (best mean holdout accuracy for this model and init). " +
  "Peak epoch: the epoch (1-based) of the highest holdout accuracy, of the epochs trained; † it peaked at the last epoch in some seed (still rising). " +
  `Holdout gain: points of holdout accuracy gained over the last ${HOLDOUT_TAIL} epochs (how far from converged; the curves are plotted in report.html). ` +
  "Corruption mean: 9 corruptions x the evaluated severities (CIFAR-10-C tables; see compare-config.json). Rel. error: summed corruption error / vanilla's (same init and seed).";

/** Write every output of a comparison; `attacks`: the adversarial and domain-shift rows (src/node/report/compareAttacks.ts), when the attack stage ran. */
export async function writeCompareReport(outDir: string, rows: CompareRow[], meta: Record<string, unknown>, attacks: AttackRow[] = []): Promise<void> {
  writeJsonAtomic(join(outDir, "compare.json"), { meta, rows, attacks });
  const flat = rows.map((r) => ({
    method: r.method, family: r.family, model: r.model, init: r.init, seeds: r.seeds,
    sigma_mean: r.sigma_per_seed ? mean(r.sigma_per_seed) : null, cdt_mean: r.cdt_per_seed ? mean(r.cdt_per_seed) : null, k_init_mean: r.k_init_mean,
    clean_acc_mean: r.clean_acc_mean, clean_acc_std: r.clean_acc_std, holdout_acc_mean: r.holdout_acc_mean, holdout_choice: r.holdout_choice,
    epochs: r.epochs, peak_epoch_mean: r.peak_epoch_mean, peak_holdout_mean: r.peak_holdout_mean, peak_at_last_epoch: r.peak_at_last_epoch, holdout_tail_gain_mean: r.holdout_tail_gain_mean,
    ...Object.fromEntries(Object.entries(r.gaussian_unclipped_acc).map(([s, a]) => [`gauss_unclipped_${s}`, a])),
    ...Object.fromEntries(Object.entries(r.gaussian_clipped_acc).map(([s, a]) => [`gauss_clipped_${s}`, a])),
    corruption_mean_acc: r.corruption_mean_acc, relative_corruption_error: r.relative_corruption_error, diverged_runs: r.diverged_runs,
  }));
  writeFileAtomic(join(outDir, "compare.csv"), toCsv(flat));
  writeFileAtomic(join(outDir, "poster.md"), posterMarkdown(rows, meta));
  const sections: { heading: string; text?: string; svg?: string; tableMarkdown?: string }[] = [];
  let md = `# NINR comparison (${String(meta.preset)} preset)\n\nCommand: \`${String(meta.command)}\`\n\n${COMPARE_INTRO}\n\nThe poster's table beside ours: poster.md.\n`;
  const svg = async (spec: object, name: string) => readFileSync((await writeChart(spec, join(outDir, name))).svg, "utf8");
  for (const g of compareGroups(rows)) {
    const mr = rows.filter((r) => r.model === g.model && r.init === g.init);
    const title = groupTitle(g);
    const table = compareTable(mr);
    md += `\n## ${title}\n\n${table}`;
    const verdict = verdictTable(mr);
    if (verdict) {
      md += `\n### ${title}: NINR against the baselines\n\n${verdict}\n${VERDICT_NOTE}\n`;
      sections.push({ heading: `${title}: NINR against the baselines`, text: VERDICT_NOTE, tableMarkdown: verdict });
    }
    const at = attackTables(attacks, mr, g);
    if (at) {
      md += `\n### ${title}: adversarial robustness\n\n${at.adversarial}\n${ADV_NOTE}\n\n### ${title}: held-out domain shift\n\n${at.shift}\n${SHIFT_NOTE}\n`;
      sections.push({ heading: `${title}: adversarial robustness`, text: ADV_NOTE, tableMarkdown: at.adversarial });
      sections.push({ heading: `${title}: held-out domain shift`, text: SHIFT_NOTE, tableMarkdown: at.shift });
    }
    for (const mode of ["unclipped", "clipped"] as const) {
      const curve: Record<string, unknown>[] = [];
      for (const r of mr) {
        const acc = mode === "unclipped" ? r.gaussian_unclipped_acc : r.gaussian_clipped_acc;
        const sd = mode === "unclipped" ? r.gaussian_unclipped_std : r.gaussian_clipped_std;
        for (const [s, a] of Object.entries(acc)) {
          const e = Number.isFinite(sd[s]) ? sd[s] : 0;
          curve.push({ s: Number(s), acc: a * 100, lo: (a - e) * 100, hi: (a + e) * 100, method: r.method });
        }
      }
      // A mode that was not evaluated has only the clean point ("0"): no curve.
      if (!curve.some((c) => (c.s as number) > 0)) continue;
      sections.push({
        heading: `${title}: accuracy against ${mode} test noise`,
        text: `Mean over seeds; bands are ± one standard deviation. Test noise x + N(0, s^2)${mode === "clipped" ? ", clipped to [0,1]" : ", unclipped (the spec's metric)"}.`,
        svg: await svg(
          lineChart({ title: `Test accuracy under ${mode} Gaussian noise (${title})`, data: curve, x: "s", y: "acc", color: "method", band: { lower: "lo", upper: "hi" }, points: true, xTitle: `test noise s (${mode === "clipped" ? "clipped to [0,1]" : "unclipped"})`, yTitle: "accuracy (%)" }),
          `robustness_${mode === "clipped" ? "clipped_" : ""}${groupFile(g)}`,
        ),
        ...(mode === "unclipped" ? { tableMarkdown: table } : {}),
      });
    }
    const holdout: Record<string, unknown>[] = [];
    for (const r of mr) r.holdout_curve_mean.forEach((a, e) => Number.isFinite(a) && holdout.push({ epoch: e + 1, acc: a * 100, method: r.method }));
    if (holdout.length)
      sections.push({
        heading: `${title}: holdout accuracy per epoch`,
        text: "Mean over seeds of the accuracy on the held-out training images after each epoch: a curve still rising at the end has not converged at this budget.",
        svg: await svg(lineChart({ title: `Holdout accuracy per epoch (${title})`, data: holdout, x: "epoch", y: "acc", color: "method", xTitle: "epoch", yTitle: "holdout accuracy (%)" }), `holdout_${groupFile(g)}`),
      });
    const cells: Record<string, unknown>[] = [];
    for (const r of mr) for (const [c, a] of Object.entries(r.per_corruption_acc)) cells.push({ method: r.method, corruption: c, acc: a * 100 });
    if (cells.length)
      sections.push({
        heading: `${title}: accuracy per corruption`,
        text: "Mean over the evaluated severities and the seeds, in %.",
        // Corruption names are long: slanted labels.
        svg: await svg(heatmap({ title: `Corruption x method (${title})`, data: cells, x: "corruption", y: "method", value: "acc", valueTitle: "accuracy (%)", format: ".1f", xLabelAngle: -30 }), `corruptions_${groupFile(g)}`),
      });
  }
  const across = acrossInitsTable(rows);
  if (across) {
    md += `\n## Do the conclusions hold across initialisations?\n\n${across}\n${ACROSS_NOTE}\n`;
    sections.push({ heading: "Do the conclusions hold across initialisations?", text: ACROSS_NOTE, tableMarkdown: across });
  }
  writeFileAtomic(join(outDir, "compare.md"), md);
  writeFileAtomic(join(outDir, "report.html"), htmlReport({ title: "ninr compare: NINR against the baselines (E2/E3)", intro: `Command: ${String(meta.command)}. ${COMPARE_INTRO}`, sections }));
}
