/**
 * The sweep's partial results table, the same whatever executor ran it: runs grouped by working
 * point (the job without its seed), clean test accuracy mean ± sample std over the seeds that
 * have finished. Pure text from (job, summary) pairs, so the table from local processes, a
 * queue and a batch array of the same spec is the same string. After the sweep, the
 * experiment's own report (phases/compare) is written from the run folders as `ninr report` does.
 */
import { join } from "node:path";
import type { Job } from "../../experiments/jobs.ts";
import { canonicalJson } from "../../hash.ts";
import { mean, sampleStd } from "../../stats.ts";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { aggregateCompare, loadCompareRuns, writeCompareReport } from "../report/compareReport.ts";
import { loadPhaseRuns, writePhasesReport } from "../report/phasesReport.ts";
import { runDir } from "../runFolder.ts";
import { type SweepJobRecord, type SweepPlan, writeSweepRecord } from "./plan.ts";

/** A job's working point: what it varies except the seed, as short `key=value` text. */
export function workingPoint(job: Job): string {
  const c: Record<string, unknown> = { ...((job.kind === "echo" ? { echo: job.spec.ms } : (job.spec.config as Record<string, unknown>)) ?? {}) };
  delete c.seed;
  const parts = Object.keys(c)
    .sort()
    .map((k) => `${k}=${typeof c[k] === "object" ? canonicalJson(c[k]) : String(c[k])}`);
  return (job.kind === "compare" ? `${job.spec.method} ` : "") + parts.join(" ");
}

export type PointRow = { point: string; done: number; of: number; acc: { mean: number; std: number } | null };

/** Rows in the plan's order of first appearance; `summaries` maps job hash -> summary of finished jobs. */
export function pointRows(jobs: Job[], summaries: Map<string, Record<string, unknown>>): PointRow[] {
  const rows = new Map<string, { of: number; accs: number[]; done: number }>();
  for (const j of jobs) {
    const p = workingPoint(j);
    const r = rows.get(p) ?? { of: 0, accs: [], done: 0 };
    r.of++;
    const s = summaries.get(j.hash);
    if (s) {
      r.done++;
      if (typeof s.clean_test_acc === "number" && Number.isFinite(s.clean_test_acc)) r.accs.push(s.clean_test_acc);
    }
    rows.set(p, r);
  }
  return [...rows].map(([point, r]) => ({
    point,
    done: r.done,
    of: r.of,
    acc: r.accs.length ? { mean: mean(r.accs), std: r.accs.length > 1 ? sampleStd(r.accs) : 0 } : null,
  }));
}

/** The varying part of the working points only (keys equal on every row are dropped), for narrow tables. */
function shortPoints(rows: PointRow[]): string[] {
  const split = rows.map((r) => r.point.split(" "));
  const common = new Set(split[0] ?? []);
  for (const s of split) for (const w of [...common]) if (!s.includes(w)) common.delete(w);
  return split.map((s) => s.filter((w) => !common.has(w) || rows.length === 1).join(" ") || "(all)");
}

/** A markdown table: working point | runs done | clean test acc (mean ± std over seeds). */
export function resultsTable(rows: PointRow[]): string {
  const names = shortPoints(rows);
  const lines = ["| working point | runs | clean test acc (mean ± std) |", "|---|---|---|"];
  rows.forEach((r, i) => {
    const acc = r.acc ? `${(r.acc.mean * 100).toFixed(2)}% ± ${(r.acc.std * 100).toFixed(2)}` : "-";
    lines.push(`| ${names[i].slice(0, 120)} | ${r.done}/${r.of} | ${acc} |`);
  });
  return lines.join("\n") + "\n";
}

/** Write results.md, and the experiment's own report from its run folders (phases, compare). */
export async function writeSweepReport(outDir: string, plan: SweepPlan, summaries: Map<string, Record<string, unknown>>): Promise<string> {
  const table = resultsTable(pointRows(plan.jobs, summaries));
  writeFileAtomic(join(outDir, "results.md"), table);
  const dirs = plan.jobs.filter((j) => summaries.has(j.hash)).map((j) => runDir(outDir, j.hash));
  if (dirs.length === 0) return table;
  const command = `ninr ${process.argv.slice(2).join(" ")}`;
  // The config files `ninr report DIR` reads to rebuild these reports later.
  if (plan.spec.experiment === "phases") writeJsonAtomic(join(outDir, "phases-config.json"), { preset: plan.meta.preset, command, jobs: plan.jobs.length });
  if (plan.spec.experiment === "compare") writeJsonAtomic(join(outDir, "compare-config.json"), { ...plan.meta, command });
  if (plan.spec.experiment === "phases") await writePhasesReport(outDir, loadPhaseRuns(dirs), { preset: (plan.meta.preset as { name?: string } | undefined)?.name, command });
  if (plan.spec.experiment === "compare") {
    const order = Array.isArray(plan.meta.methodOrder) ? (plan.meta.methodOrder as string[]) : [];
    await writeCompareReport(outDir, aggregateCompare(loadCompareRuns(dirs), order), { ...plan.meta, command });
  }
  return table;
}

/** The end of every sweep: sweep.json (one record per job, by hash), results.md and the experiment's report. Returns the table. */
export async function finishSweep(outDir: string, plan: SweepPlan, executor: string, records: SweepJobRecord[]): Promise<string> {
  const byHash = new Map(records.map((r) => [r.hash, r]));
  const ordered = plan.jobs.map((j) => byHash.get(j.hash)).filter((r): r is SweepJobRecord => r !== undefined);
  writeSweepRecord(outDir, plan.spec, executor, ordered);
  const summaries = new Map(ordered.filter((r) => r.status === "done" && r.summary).map((r) => [r.hash, r.summary as Record<string, unknown>]));
  return writeSweepReport(outDir, plan, summaries);
}
