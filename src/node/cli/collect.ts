/**
 * `ninr collect --spec SPEC --out DIR [--from DIR,...]`: merge the runs of a batch-array sweep
 * into DIR (from DIR itself, or folders copied back from nodes without a shared disk), write
 * sweep.json, results.md and the experiment's report, and name the indices still missing or
 * failed (exit 2 then, with the indices to rerun).
 */
import type { Command } from "commander";
import { NinrError } from "../../errors.ts";
import { collectIndex, indexRanges } from "../executors/indexExecutor.ts";
import { prepareOutDir } from "../runFolder.ts";
import { planSweep } from "../sweep/plan.ts";
import { finishSweep } from "../sweep/results.ts";
import { readSweepSpec } from "../sweep/spec.ts";

export function registerCollect(program: Command): void {
  program
    .command("collect")
    .description("merge the runs of an index-executor sweep (ninr run-index) and report missing indices")
    .requiredOption("--spec <file>", "the sweep spec")
    .requiredOption("--out <dir>", "the sweep's output folder")
    .option("--from <dirs>", "comma-separated extra --out folders of run-index tasks to merge from")
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files (only if the plan must be expanded again)")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .option("--json", "print the sweep record on stdout")
    .action(async (opts) => {
      const spec = readSweepSpec(opts.spec);
      prepareOutDir(opts.out);
      const from = opts.from ? String(opts.from).split(",").map((s) => s.trim()).filter(Boolean) : [];
      const data = { dataDir: opts.data, allowSample: Boolean(opts.allowSample ?? spec.allowSample) };
      const plan = await planSweep(spec, opts.out, { data, log: (s) => process.stderr.write(s + "\n") });
      const c = collectIndex(plan, opts.out, from);
      const table = await finishSweep(opts.out, plan, "index", c.records);
      if (opts.json) process.stdout.write(JSON.stringify({ spec, executor: "index", jobs: c.records, missing: c.missing, failed: c.failed }, null, 2) + "\n");
      else process.stdout.write(table + `collected ${c.summaries.size} of ${plan.jobs.length} jobs\n`);
      const bad = [...c.missing, ...c.failed].sort((a, b) => a - b);
      if (bad.length)
        throw new NinrError(`${c.missing.length} of ${plan.jobs.length} jobs missing${c.missing.length ? ` (indices ${indexRanges(c.missing)})` : ""}, ${c.failed.length} failed${c.failed.length ? ` (indices ${indexRanges(c.failed)})` : ""}; rerun those indices (Slurm: --array=${indexRanges(bad)}), then collect again`);
    });
}
