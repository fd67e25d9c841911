/**
 * The E2/E3 report: compare.json (one row per method and model), compare.md (mean ± std like the
 * poster's table), compare.csv, accuracy-vs-test-noise curves with error bands, a corruption x
 * method heat map, and a self-contained report.html. Rebuildable from the run folders alone.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { RUN_FILES, readRunJson, readSummary } from "../runFolder.ts";
import { heatmap, lineChart } from "../../report/charts.ts";
import { htmlReport } from "../../report/html.ts";
import { writeChart } from "./render.ts";
import { formatMeanStd, toCsv, toMarkdown } from "../../report/tables.ts";
import type { RobustnessSummary } from "../../experiments/robustness.ts";
import { mean, sampleStd } from "../../stats.ts";

export type CompareRunSummary = { method: string; model: string; seed: number; sigma: number | null; clean_test_acc: number; diverged: boolean; robustness: RobustnessSummary };

export type CompareRow = {
  method: string;
  model: string;
  seeds: number;
  sigma: number | null;
  cdt: number | null;
  clean_acc_mean: number;
  clean_acc_std: number;
  /** Clipped test noise s -> mean accuracy over seeds. */
  gaussian_acc: Record<string, number>;
  gaussian_acc_std: Record<string, number>;
  gaussian_unclipped_acc: Record<string, number>;
  corruption_mean_acc: number | null;
  corruption_mean_std: number | null;
  per_corruption_acc: Record<string, number>;
  /** Sum of corruption errors relative to vanilla's (same model, same seed), mean over seeds. */
  relative_corruption_error: number | null;
  diverged_runs: number;
};

/** Sample standard deviation; NaN for one seed (the tables then show the mean alone). */
const std = sampleStd;

export function loadCompareRuns(dirs: string[]): (CompareRunSummary & { cdt: number | null })[] {
  const out: (CompareRunSummary & { cdt: number | null })[] = [];
  for (const dir of dirs) {
    const s = readSummary(dir) as (CompareRunSummary & Record<string, unknown>) | null;
    if (!s || !s.method || !s.robustness) continue;
    const cdt = Number(readRunJson(dir, RUN_FILES.config)?.cdt ?? 0);
    out.push({ ...s, cdt: cdt > 0 ? cdt : null });
  }
  return out;
}

export function aggregateCompare(runs: (CompareRunSummary & { cdt: number | null })[], methodOrder: string[]): CompareRow[] {
  const rows: CompareRow[] = [];
  const models = [...new Set(runs.map((r) => r.model))];
  const methods = [...new Set(runs.map((r) => r.method))].sort((a, b) => methodOrder.indexOf(a) - methodOrder.indexOf(b));
  for (const model of models)
    for (const method of methods) {
      const rs = runs.filter((r) => r.model === model && r.method === method).sort((a, b) => a.seed - b.seed);
      if (!rs.length) continue;
      const vanilla = runs.filter((r) => r.model === model && r.method === "vanilla");
      const keys = Object.keys(rs[0].robustness.gaussian_clipped).sort((a, b) => Number(a) - Number(b));
      const byKey = (f: (r: (typeof rs)[number]) => Record<string, number>, agg: (v: number[]) => number) => Object.fromEntries(keys.map((k) => [k, agg(rs.map((r) => f(r)[k]))]));
      const corr = rs.map((r) => r.robustness.corruption_mean_acc).filter((v): v is number => v !== null);
      const rel: number[] = [];
      for (const r of rs) {
        const v = vanilla.find((x) => x.seed === r.seed);
        if (!v) continue;
        const err = Object.values(r.robustness.per_corruption).reduce((s, a) => s + (1 - a), 0);
        const verr = Object.values(v.robustness.per_corruption).reduce((s, a) => s + (1 - a), 0);
        if (verr > 0) rel.push(err / verr);
      }
      const names = Object.keys(rs[0].robustness.per_corruption);
      rows.push({
        method,
        model,
        seeds: rs.length,
        sigma: rs[0].sigma,
        cdt: rs[0].cdt,
        clean_acc_mean: mean(rs.map((r) => r.clean_test_acc)),
        clean_acc_std: std(rs.map((r) => r.clean_test_acc)),
        gaussian_acc: byKey((r) => r.robustness.gaussian_clipped, mean),
        gaussian_acc_std: byKey((r) => r.robustness.gaussian_clipped, std),
        gaussian_unclipped_acc: byKey((r) => r.robustness.gaussian_unclipped, mean),
        corruption_mean_acc: corr.length ? mean(corr) : null,
        corruption_mean_std: corr.length ? std(corr) : null,
        per_corruption_acc: Object.fromEntries(names.map((n) => [n, mean(rs.map((r) => r.robustness.per_corruption[n]))])),
        relative_corruption_error: rel.length ? mean(rel) : null,
        diverged_runs: rs.filter((r) => r.diverged).length,
      });
    }
  return rows;
}


export async function writeCompareReport(outDir: string, rows: CompareRow[], meta: Record<string, unknown>): Promise<void> {
  writeJsonAtomic(join(outDir, "compare.json"), { meta, rows });
  const flat = rows.map((r) => ({
    method: r.method, model: r.model, seeds: r.seeds, sigma: r.sigma, cdt: r.cdt, clean_acc_mean: r.clean_acc_mean, clean_acc_std: r.clean_acc_std,
    ...Object.fromEntries(Object.entries(r.gaussian_acc).map(([s, a]) => [`gauss_clipped_${s}`, a])),
    corruption_mean_acc: r.corruption_mean_acc, relative_corruption_error: r.relative_corruption_error, diverged_runs: r.diverged_runs,
  }));
  writeFileAtomic(join(outDir, "compare.csv"), toCsv(flat));
  const sections: { heading: string; text?: string; svg?: string; tableMarkdown?: string }[] = [];
  let md = `# NINR comparison (${String(meta.preset)} preset)\n\nCommand: \`${String(meta.command)}\`\n\nAccuracy in %, mean ± std over seeds (sample std). Test noise: x + N(0, s^2) clipped to [0,1]. Corruption mean: 9 corruptions x the evaluated severities (CIFAR-10-C tables; see compare-config.json). Rel. error: summed corruption error / vanilla's (same seed).\n`;
  const svg = async (spec: object, name: string) => readFileSync((await writeChart(spec, join(outDir, name))).svg, "utf8");
  for (const model of [...new Set(rows.map((r) => r.model))]) {
    const mr = rows.filter((r) => r.model === model);
    const table = toMarkdown(
      mr.map((r) => ({
        method: r.method,
        noise: r.sigma !== null ? `sigma ${r.sigma}` : r.cdt !== null ? `s ${r.cdt}` : "",
        clean: formatMeanStd(r.clean_acc_mean * 100, r.clean_acc_std * 100),
        s03: formatMeanStd((r.gaussian_acc["0.3"] ?? NaN) * 100, (r.gaussian_acc_std["0.3"] ?? NaN) * 100),
        s05: formatMeanStd((r.gaussian_acc["0.5"] ?? NaN) * 100, (r.gaussian_acc_std["0.5"] ?? NaN) * 100),
        s1: formatMeanStd((r.gaussian_acc["1"] ?? NaN) * 100, (r.gaussian_acc_std["1"] ?? NaN) * 100),
        corr: r.corruption_mean_acc === null ? "n/a" : formatMeanStd(r.corruption_mean_acc * 100, (r.corruption_mean_std ?? NaN) * 100),
        rel: r.relative_corruption_error === null ? "n/a" : r.relative_corruption_error.toFixed(3),
        seeds: r.seeds,
      })),
      [
        { key: "method", title: "method" }, { key: "noise", title: "noise level" }, { key: "clean", title: "clean" },
        { key: "s03", title: "s=0.3" }, { key: "s05", title: "s=0.5" }, { key: "s1", title: "s=1" },
        { key: "corr", title: "corruption mean" }, { key: "rel", title: "rel. corruption error" }, { key: "seeds", title: "seeds" },
      ],
    );
    md += `\n## ${model.toUpperCase()}\n\n${table}`;
    const curve: Record<string, unknown>[] = [];
    for (const r of mr)
      for (const [s, a] of Object.entries(r.gaussian_acc)) {
        const sd = Number.isFinite(r.gaussian_acc_std[s]) ? r.gaussian_acc_std[s] : 0;
        curve.push({ s: Number(s), acc: a * 100, lo: (a - sd) * 100, hi: (a + sd) * 100, method: r.method });
      }
    sections.push({
      heading: `${model.toUpperCase()}: accuracy against test noise`,
      text: "Mean over seeds; bands are ± one standard deviation.",
      svg: await svg(lineChart({ title: `Test accuracy under Gaussian noise (${model})`, data: curve, x: "s", y: "acc", color: "method", band: { lower: "lo", upper: "hi" }, points: true, xTitle: "test noise s (clipped to [0,1])", yTitle: "accuracy (%)" }), `robustness_${model}`),
      tableMarkdown: table,
    });
    const cells: Record<string, unknown>[] = [];
    for (const r of mr) for (const [c, a] of Object.entries(r.per_corruption_acc)) cells.push({ method: r.method, corruption: c, acc: a * 100 });
    sections.push({
      heading: `${model.toUpperCase()}: accuracy per corruption`,
      text: "Mean over the evaluated severities and the seeds, in %.",
      // Corruption names are long: slanted labels.
      svg: await svg(heatmap({ title: `Corruption x method (${model})`, data: cells, x: "corruption", y: "method", value: "acc", valueTitle: "accuracy (%)", format: ".1f", xLabelAngle: -30 }), `corruptions_${model}`),
    });
  }
  writeFileAtomic(join(outDir, "compare.md"), md);
  writeFileAtomic(join(outDir, "report.html"), htmlReport({ title: "ninr compare: NINR against the baselines (E2/E3)", intro: `Command: ${String(meta.command)}`, sections }));
}
