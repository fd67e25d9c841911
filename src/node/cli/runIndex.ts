/**
 * `ninr run-index --spec SPEC --out DIR [--index I]`: one task of a batch array runs job I of
 * the sweep (src/node/executors/indexExecutor.ts). I comes from --index or the scheduler's
 * environment (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, AWS_BATCH_JOB_ARRAY_INDEX). A job
 * already finished is not run again, so a rescheduled task is harmless.
 */
import type { Command } from "commander";
import { runIndex, taskIndex } from "../executors/indexExecutor.ts";
import { prepareOutDir } from "../runFolder.ts";
import { planSweep } from "../sweep/plan.ts";
import { readSweepSpec } from "../sweep/spec.ts";

export function registerRunIndex(program: Command): void {
  program
    .command("run-index")
    .description("run job I of a sweep spec (for Kubernetes Indexed Jobs, Slurm arrays, AWS Batch)")
    .requiredOption("--spec <file>", "the sweep spec")
    .requiredOption("--out <dir>", "the sweep's output folder (shared by every task)")
    .option("--index <i>", "the job index (default: JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or AWS_BATCH_JOB_ARRAY_INDEX)")
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .action(async (opts) => {
      const spec = readSweepSpec(opts.spec);
      const index = taskIndex(opts.index);
      prepareOutDir(opts.out);
      const data = { dataDir: opts.data, allowSample: Boolean(opts.allowSample ?? spec.allowSample) };
      const plan = await planSweep(spec, opts.out, { data, log: (s) => process.stderr.write(s + "\n") });
      const r = await runIndex(plan, index, opts.out, data);
      process.stdout.write(`job ${index} (${r.job.hash.slice(0, 12)}): ${r.status === "cached" ? "already done" : `done in ${r.seconds.toFixed(1)}s`}\n`);
    });
}
