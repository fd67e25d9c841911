/**
 * `ninr bench`: speed of training, curvature and sweeps against a PyTorch reference (and
 * TensorFlow.js) run in the same invocation; see bench/workloads.ts for the workloads and
 * bench/README.md for results. `--json` prints {"date","machine","reference_info","workloads":[{name,ninr,reference,unit,ratio,...}]}.
 */
import os from "node:os";
import { type Command, InvalidArgumentError, Option } from "commander";
import { WORKLOAD_NAMES, runWorkloads, tfjsAvailable, torchAvailable } from "../../../bench/workloads.ts";
import { toMarkdown } from "../../report/tables.ts";
import { num } from "./flags.ts";

function workloadList(raw: string): string[] {
  const names = raw.split(",").map((s) => s.trim());
  const bad = names.filter((n) => !(WORKLOAD_NAMES as readonly string[]).includes(n));
  if (bad.length || names.length === 0) throw new InvalidArgumentError(`--only takes a comma-separated list of ${WORKLOAD_NAMES.join(",")}; got '${raw}'`);
  return names;
}

const f = (v: unknown) => (typeof v === "number" ? v.toFixed(Math.abs(v) < 10 ? 2 : 0) : "n/a");

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("benchmark training, curvature and sweeps against PyTorch (python3-torch) and TensorFlow.js, in one run")
    .addOption(new Option("--rounds <n>", "alternating rounds per workload").default(3).argParser(num("--rounds", { min: 1, integer: true })))
    .addOption(new Option("--threads <n>", "PyTorch reference threads (targets are against 1)").default(1).argParser(num("--threads", { min: 1, integer: true })))
    .addOption(new Option("--cores <n>", "our Wasm worker threads in *_2cores, and sweep workers (default: all cores)").argParser(num("--cores", { min: 1, integer: true })))
    .addOption(new Option("--only <names>", `comma-separated workloads (${WORKLOAD_NAMES.join(",")})`).argParser(workloadList))
    .option("--json", "print JSON only")
    .action(async (opts) => {
      const quiet = opts.json || !process.stderr.isTTY;
      const log = quiet ? undefined : (l: string) => process.stderr.write(l + "\n");
      if (!torchAvailable()) process.stderr.write("note: /usr/bin/python3 cannot import torch (apt-get install python3-torch libopenblas0-pthread); no PyTorch reference\n");
      if (!tfjsAvailable()) process.stderr.write("note: TensorFlow.js packages not installed (npm ci installs them); no TensorFlow.js column\n");
      const load0 = os.loadavg();
      const t0 = performance.now();
      const { workloads, reference_info } = await runWorkloads({ rounds: opts.rounds, threads: opts.threads, cores: opts.cores, only: opts.only, log });
      const machine = { cpu: os.cpus()[0]?.model ?? "unknown", cores: os.availableParallelism(), node: process.version, loadavg_before: load0, loadavg_after: os.loadavg(), seconds: (performance.now() - t0) / 1000 };
      if (opts.json) {
        process.stdout.write(JSON.stringify({ date: new Date().toISOString(), machine, reference_info, workloads }, null, 2) + "\n");
        return;
      }
      const note = (k: string, v: unknown) => (k === "tfjs_unsupported" ? "TF.js: no second derivative" : `${k} ${f(v)}`);
      const rows = workloads.map((w) => ({ ...w, notes: Object.entries(w.extra).map(([k, v]) => note(k, v)).join(", ") }));
      process.stdout.write(
        toMarkdown(rows as unknown as Record<string, unknown>[], [
          { key: "name", title: "workload" },
          { key: "threads", title: "our threads" },
          { key: "ninr", title: "ninr", format: f },
          { key: "reference", title: "reference", format: f },
          { key: "reference_kind", title: "reference is" },
          { key: "ratio", title: "ratio", format: f },
          { key: "tfjs", title: "TF.js wasm", format: f },
          { key: "ratio_tfjs", title: "ratio vs TF.js", format: f },
          { key: "unit", title: "unit" },
          { key: "ninr_peak_rss_mb", title: "peak RSS MB (ours)", format: f },
          { key: "reference_peak_rss_mb", title: "peak RSS MB (ref)", format: f },
          { key: "notes", title: "notes" },
        ]),
      );
      process.stdout.write(`\nratio: ours / reference, higher is better (times inverted). ${machine.cpu}, ${machine.cores} cores, ${machine.node}, load ${load0.map((l) => l.toFixed(2)).join(" ")}; reference ${JSON.stringify(reference_info)}\n`);
    });
}
