/**
 * `ninr bench`: speed of our training step (and more, see bench/workloads.ts) against a PyTorch
 * reference run in the same invocation. `--json` prints {"workloads":[{name,ninr,reference,unit,ratio}]}.
 */
import { type Command, Option } from "commander";
import { runWorkloads, torchAvailable } from "../../bench/workloads.ts";
import { toMarkdown } from "../report/tables.ts";
import { num } from "./flags.ts";

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description("benchmark training-step speed against PyTorch (if python3-torch is installed)")
    .addOption(new Option("--rounds <n>", "alternating rounds per workload").default(3).argParser(num("--rounds", { min: 1, integer: true })))
    .addOption(new Option("--threads <n>", "PyTorch threads").default(1).argParser(num("--threads", { min: 1, integer: true })))
    .option("--only <names>", "comma-separated workloads (mlp_step,cnn_step,hvp,nin_overhead)")
    .option("--json", "print JSON only")
    .action(async (opts) => {
      const log = opts.json ? undefined : (l: string) => process.stderr.write(l + "\n");
      if (!torchAvailable() && !opts.json) process.stderr.write("note: /usr/bin/python3 cannot import torch (apt-get install python3-torch); no PyTorch reference\n");
      const results = await runWorkloads({ rounds: opts.rounds, threads: opts.threads, only: opts.only?.split(","), log });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ date: new Date().toISOString(), workloads: results }, null, 2) + "\n");
        return;
      }
      const f = (v: unknown) => (typeof v === "number" ? v.toFixed(v < 10 ? 3 : 0) : "n/a");
      process.stdout.write(
        toMarkdown(results as unknown as Record<string, unknown>[], [
          { key: "name", title: "workload" },
          { key: "ninr", title: "ninr", format: f },
          { key: "reference", title: "reference", format: f },
          { key: "reference_kind", title: "reference is" },
          { key: "unit", title: "unit" },
          { key: "ratio", title: "ratio (ours/ref)", format: f },
        ]),
      );
    });
}
