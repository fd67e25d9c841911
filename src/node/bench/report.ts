/**
 * One bench invocation and its report, shared by `ninr bench` (src/node/cli/bench.ts: ours and
 * PyTorch) and `npm run bench` (bench/run.ts: the same plus TensorFlow.js): runs the workloads
 * (src/node/bench/workloads.ts) and prints either the table or, with --json,
 *   {"date","machine","reference_info","workloads":[{name,ninr,reference,unit,ratio,...}]}.
 * The TF.js columns (and fields) appear only when a TF.js side is given.
 */
import os from "node:os";
import { toMarkdown } from "../../report/tables.ts";
import { type BenchOptions, type WorkloadResult, runWorkloads, torchAvailable } from "./workloads.ts";

/** The flags both entry points take (--rounds --threads --cores --only --json). */
export type BenchFlags = { rounds: number; threads: number; cores?: number; only?: string[]; json?: boolean };

export type BenchSides = {
  /** The TensorFlow.js side (bench/run.ts); omitted: no TF.js columns. */
  tfjs?: BenchOptions["tfjs"];
  /** Lines for stderr before the run (e.g. why a side is missing). */
  notes?: string[];
  /** A line after the table (not in --json output). */
  footer?: string;
};

export type BenchReport = {
  date: string;
  machine: { cpu: string; cores: number; node: string; loadavg_before: number[]; loadavg_after: number[]; seconds: number };
  reference_info: Record<string, unknown> | null;
  workloads: WorkloadResult[];
};

const f = (v: unknown) => (typeof v === "number" ? v.toFixed(Math.abs(v) < 10 ? 2 : 0) : "n/a");

/** The markdown table of a report, with its footnote line(s). */
export function formatReport(report: BenchReport, opts: { tfjs: boolean; footer?: string }): string {
  const note = (k: string, v: unknown) => (k === "tfjs_unsupported" ? "TF.js: no second derivative" : `${k} ${f(v)}`);
  const rows = report.workloads.map((w) => ({ ...w, notes: Object.entries(w.extra).map(([k, v]) => note(k, v)).join(", ") }));
  const columns = [
    { key: "name", title: "workload" },
    { key: "threads", title: "our threads" },
    { key: "ninr", title: "ninr", format: f },
    { key: "reference", title: "reference", format: f },
    { key: "reference_kind", title: "reference is" },
    { key: "ratio", title: "ratio", format: f },
    ...(opts.tfjs
      ? [
          { key: "tfjs", title: "TF.js wasm", format: f },
          { key: "ratio_tfjs", title: "ratio vs TF.js", format: f },
        ]
      : []),
    { key: "unit", title: "unit" },
    { key: "ninr_peak_rss_mb", title: "peak RSS MB (ours)", format: f },
    { key: "reference_peak_rss_mb", title: "peak RSS MB (ref)", format: f },
    { key: "notes", title: "notes" },
  ];
  const m = report.machine;
  let out = toMarkdown(rows as unknown as Record<string, unknown>[], columns);
  out += `\nratio: ours / reference, higher is better (times inverted). ${m.cpu}, ${m.cores} cores, ${m.node}, load ${m.loadavg_before.map((l) => l.toFixed(2)).join(" ")}; reference ${JSON.stringify(report.reference_info)}\n`;
  if (opts.footer) out += `${opts.footer}\n`;
  return out;
}

/** Run the workloads and print the report (table, or JSON with --json) on stdout; progress on stderr. */
export async function runBench(flags: BenchFlags, sides: BenchSides = {}): Promise<BenchReport> {
  const quiet = flags.json || !process.stderr.isTTY;
  const log = quiet ? undefined : (l: string) => process.stderr.write(l + "\n");
  if (!torchAvailable()) process.stderr.write("note: /usr/bin/python3 cannot import torch (apt-get install python3-torch libopenblas0-pthread); no PyTorch reference\n");
  for (const n of sides.notes ?? []) process.stderr.write(`note: ${n}\n`);
  const load0 = os.loadavg();
  const t0 = performance.now();
  const { workloads, reference_info } = await runWorkloads({ rounds: flags.rounds, threads: flags.threads, cores: flags.cores, only: flags.only, log, tfjs: sides.tfjs });
  const machine = { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.availableParallelism(), node: process.version, loadavg_before: load0, loadavg_after: os.loadavg(), seconds: (performance.now() - t0) / 1000 };
  const report: BenchReport = { date: new Date().toISOString(), machine, reference_info, workloads };
  if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else process.stdout.write(formatReport(report, { tfjs: sides.tfjs !== undefined, footer: sides.footer }));
  return report;
}
