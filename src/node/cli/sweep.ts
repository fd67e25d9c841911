/**
 * `ninr sweep SPEC.json`: run a sweep spec (src/node/sweep/spec.ts; docs/scale-out.md) on an
 * executor: `local` (worker processes here), `queue` (this process coordinates, `ninr worker`
 * processes on any machine run the jobs through Redis), or `index` (write the plan for a batch
 * scheduler's array: `ninr run-index` per task, then `ninr collect`). Ends with
 * `--out/sweep.json`, the run folders and the results table. `ninr sweep status --redis URL
 * SPEC` shows a queued sweep from anywhere; `ninr sweep clean --redis URL SPEC` removes its
 * finished and failed jobs from Redis. The executor flags live in executorFlags.ts (the
 * experiment verbs take the same).
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { NinrError } from "../../errors.ts";
import type { JobOutcome } from "../../experiments/jobs.ts";
import { QueueExecutor } from "../executors/queue.ts";
import { checkRedisUrl } from "../executors/queueConnection.ts";
import { prepareOutDir } from "../runFolder.ts";
import { cleanSweep } from "../sweep/clean.ts";
import { LiveView } from "../sweep/liveView.ts";
import { planSweep } from "../sweep/plan.ts";
import { finishSweep } from "../sweep/results.ts";
import { readSweepSpec, specHash } from "../sweep/spec.ts";
import { sweepStatus } from "../sweep/status.ts";
import { addExecutorFlags, checkExecutorFlags, makeExecutor, sweepRecords, writeIndexPlan } from "./executorFlags.ts";
import { num } from "./flags.ts";

/** One line per finished job for logs: what it was and how it ended. */
export function outcomeLine(o: JobOutcome, done: number, total: number, worker?: string): string {
  const acc = typeof o.summary?.clean_test_acc === "number" ? ` clean ${(o.summary.clean_test_acc * 100).toFixed(1)}%` : "";
  return `[${done}/${total}] ${o.job.hash.slice(0, 12)} ${o.status}${acc}${o.seconds ? ` (${o.seconds.toFixed(1)}s${worker ? ` on ${worker}` : ""})` : ""}${o.error ? `: ${o.error.split("\n")[0]}` : ""}`;
}

export function registerSweep(program: Command): void {
  const cmd = program
    .command("sweep")
    .description("run a sweep spec (JSON) on local processes, a Redis queue, or a batch scheduler's index array; 'ninr sweep status SPEC' shows a queued one, 'ninr sweep clean SPEC' removes its finished jobs from Redis")
    .argument("<spec>", "the sweep spec (docs/scale-out.md), or 'status' / 'clean' followed by the spec")
    .argument("[spec-of]", "with 'status' or 'clean': the sweep's spec");
  addExecutorFlags(cmd)
    .option("--out <dir>", "output folder: runs/<hash>/, sweep.json, results.md, the experiment's report")
    .addOption(new Option("--workers <n>", "local: parallel worker processes (default: cores)").argParser(num("--workers", { min: 1, integer: true })))
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .option("--json", "print the sweep record (sweep.json's content) on stdout")
    .action(async (first: string, second: string | undefined, opts) => {
      if (first === "status" || first === "clean") {
        if (!second) throw new NinrError(`ninr sweep ${first} needs the spec: ninr sweep ${first} --redis URL SPEC.json`);
        if (!opts.redis) throw new NinrError(`ninr sweep ${first} needs --redis URL (the coordinator's Redis)`);
        const spec = readSweepSpec(second);
        const url = checkRedisUrl(opts.redis);
        process.stdout.write((first === "status" ? await sweepStatus(url, opts.queue, spec, Boolean(opts.json)) : await cleanSweep(url, opts.queue, spec, Boolean(opts.json))) + "\n");
        return;
      }
      if (second !== undefined) throw new NinrError(`ninr sweep takes one spec, got '${first}' and '${second}' (did you mean 'ninr sweep status' or 'ninr sweep clean'?)`);
      const spec = readSweepSpec(first);
      if (!opts.out) throw new NinrError("ninr sweep needs --out DIR (run folders, sweep.json, results.md)");
      await checkExecutorFlags(opts); // before anything is written
      prepareOutDir(opts.out);
      const data = { dataDir: opts.data, allowSample: Boolean(opts.allowSample ?? spec.allowSample) };
      const log = (s: string) => process.stderr.write(s + "\n");
      if (opts.executor === "index") return writeIndexPlan(spec, opts.out, { specFile: first, data, log, json: Boolean(opts.json) });
      const plan = await planSweep(spec, opts.out, { data, log });
      const hash = specHash(spec);
      const view = new LiveView(`sweep ${hash.slice(0, 12)} (${opts.executor})`, plan.jobs, process.stderr, { quiet: Boolean(opts.json) });
      let running = 0;
      let finished = 0;
      let failed = 0;
      const total = plan.jobs.length;
      const executor = makeExecutor(opts, {
        outDir: opts.out,
        workers: opts.workers,
        data,
        log,
        specHash: hash,
        onSpawn: () => view.counts({ queued: total - finished - ++running, running, done: finished - failed, failed }),
        onCounts: (c) => view.counts(c),
      });
      const queue = executor instanceof QueueExecutor ? executor : null;
      const local = !queue;
      const localWorker = `${hostname()} (local)`;
      log(`sweep ${hash.slice(0, 12)}: ${total} jobs (${spec.experiment}) on the ${opts.executor} executor -> ${opts.out}`);
      const outcomes = await executor.run(plan.jobs, {
        onJobDone: (o, done, n) => {
          finished++;
          if (o.status === "failed") failed++;
          if (local && o.status !== "cached") running--;
          const worker = local ? localWorker : queue!.workerOf.get(o.job.hash);
          view.finished(o.job.hash, o.status, { worker, seconds: o.seconds, summary: o.summary, line: outcomeLine(o, done, n, worker) });
          if (local) view.counts({ queued: n - finished - running, running, done: finished - failed, failed });
        },
      });
      view.end();
      const records = sweepRecords(outcomes, queue);
      const table = await finishSweep(opts.out, plan, opts.executor, records);
      if (opts.json) process.stdout.write(JSON.stringify({ spec, executor: opts.executor, jobs: records }, null, 2) + "\n");
      else process.stdout.write(table + `sweep record: ${join(opts.out, "sweep.json")}\n`);
      const bad = outcomes.filter((o) => o.status === "failed");
      if (bad.length) throw new NinrError(`${bad.length} of ${outcomes.length} jobs failed (first: ${bad[0].error?.split("\n")[0]}); rerun the same command to retry them${queue ? " (with --retry-failed)" : ""}`);
    });
}
