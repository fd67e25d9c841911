/**
 * `ninr sweep SPEC.json`: run a sweep spec (src/node/sweep/spec.ts; docs/scale-out.md) on an
 * executor: `local` (worker processes here), `queue` (this process coordinates, `ninr worker`
 * processes on any machine run the jobs through Redis), or `index` (write the plan for a batch
 * scheduler's array: `ninr run-index` per task, then `ninr collect`). Ends with
 * `--out/sweep.json`, the run folders and the results table. `ninr sweep status --redis URL
 * SPEC` shows a queued sweep from anywhere.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { type Command, Option } from "commander";
import { NinrError } from "../../errors.ts";
import type { JobOutcome } from "../../experiments/jobs.ts";
import { LocalExecutor } from "../executors/local.ts";
import { QueueExecutor } from "../executors/queue.ts";
import { DEFAULT_QUEUE, checkRedisUrl, probeRedis } from "../executors/queueConnection.ts";
import { prepareOutDir } from "../runFolder.ts";
import { LiveView } from "../sweep/liveView.ts";
import { PLAN_FILE, planSweep } from "../sweep/plan.ts";
import { finishSweep } from "../sweep/results.ts";
import { readSweepSpec, specHash } from "../sweep/spec.ts";
import { sweepStatus } from "../sweep/status.ts";
import { num, oneOf } from "./flags.ts";

const EXECUTORS = ["local", "queue", "index"] as const;

/** One line per finished job for logs: what it was and how it ended. */
export function outcomeLine(o: JobOutcome, done: number, total: number, worker?: string): string {
  const acc = typeof o.summary?.clean_test_acc === "number" ? ` clean ${(o.summary.clean_test_acc * 100).toFixed(1)}%` : "";
  return `[${done}/${total}] ${o.job.hash.slice(0, 12)} ${o.status}${acc}${o.seconds ? ` (${o.seconds.toFixed(1)}s${worker ? ` on ${worker}` : ""})` : ""}${o.error ? `: ${o.error.split("\n")[0]}` : ""}`;
}

export function registerSweep(program: Command): void {
  program
    .command("sweep")
    .description("run a sweep spec (JSON) on local processes, a Redis queue, or a batch scheduler's index array; 'ninr sweep status SPEC' shows a queued one")
    .argument("<spec>", "the sweep spec (docs/scale-out.md), or 'status' followed by the spec")
    .argument("[status-spec]", "with 'status': the spec to show")
    .addOption(new Option("--executor <name>", "local | queue (with --redis) | index (then ninr run-index, ninr collect)").default("local").argParser(oneOf("--executor", EXECUTORS)))
    .option("--out <dir>", "output folder: runs/<hash>/, sweep.json, results.md, the experiment's report")
    .addOption(new Option("--workers <n>", "local: parallel worker processes (default: cores)").argParser(num("--workers", { min: 1, integer: true })))
    .option("--redis <url>", "queue: Redis URL, e.g. redis://HOST:6379/0")
    .option("--queue <name>", "queue: BullMQ queue name (workers must use the same)", DEFAULT_QUEUE)
    .option("--store <dir>", "queue: the workers' shared results folder (when they run with --store)")
    .addOption(new Option("--attempts <n>", "queue: tries per job before it is reported failed").default(3).argParser(num("--attempts", { min: 1, max: 100, integer: true })))
    .addOption(new Option("--backoff-ms <ms>", "queue: first retry delay, doubling per try").default(5000).argParser(num("--backoff-ms", { min: 0, integer: true })))
    .addOption(new Option("--poll-ms <ms>", "queue: how often the coordinator polls job states").default(1000).argParser(num("--poll-ms", { min: 50, integer: true })))
    .option("--params", "queue: workers send params.safetensors back through Redis too")
    .option("--retry-failed", "queue: retry jobs that failed in an earlier run of this sweep")
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .option("--json", "print the sweep record (sweep.json's content) on stdout")
    .action(async (first: string, second: string | undefined, opts) => {
      if (first === "status") {
        if (!second) throw new NinrError("ninr sweep status needs the spec: ninr sweep status --redis URL SPEC.json");
        if (!opts.redis) throw new NinrError("ninr sweep status needs --redis URL (the coordinator's Redis)");
        const spec = readSweepSpec(second);
        process.stdout.write((await sweepStatus(checkRedisUrl(opts.redis), opts.queue, spec, Boolean(opts.json))) + "\n");
        return;
      }
      if (second !== undefined) throw new NinrError(`ninr sweep takes one spec, got '${first}' and '${second}' (did you mean 'ninr sweep status'?)`);
      const spec = readSweepSpec(first);
      if (!opts.out) throw new NinrError("ninr sweep needs --out DIR (run folders, sweep.json, results.md)");
      if (opts.executor === "queue") {
        if (!opts.redis) throw new NinrError("--executor queue needs --redis URL (e.g. redis://localhost:6379)");
        const { warning } = await probeRedis(checkRedisUrl(opts.redis)); // before anything is written
        if (warning) process.stderr.write(`warning: ${warning}\n`);
      } else if (opts.redis || opts.store) throw new NinrError(`--redis and --store go with --executor queue, not ${opts.executor}`);
      prepareOutDir(opts.out);
      const data = { dataDir: opts.data, allowSample: Boolean(opts.allowSample ?? spec.allowSample) };
      const log = (s: string) => process.stderr.write(s + "\n");
      const plan = await planSweep(spec, opts.out, { data, log });
      const hash = specHash(spec);
      if (opts.executor === "index") {
        const n = plan.jobs.length;
        if (opts.json) process.stdout.write(JSON.stringify({ jobs: n, plan: join(opts.out, PLAN_FILE), spec_hash: hash }) + "\n");
        else
          process.stdout.write(
            `sweep ${hash.slice(0, 12)}: ${n} jobs, plan in ${join(opts.out, PLAN_FILE)}\n` +
              `run indices 0..${n - 1} (Kubernetes completions: ${n}, Slurm --array=0-${n - 1}), each:\n` +
              `  ninr run-index --spec ${first} --out ${opts.out}        (index from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID, or --index I)\n` +
              `then: ninr collect --spec ${first} --out ${opts.out}\n`,
          );
        return;
      }
      const view = new LiveView(`sweep ${hash.slice(0, 12)} (${opts.executor})`, plan.jobs, process.stderr, { quiet: Boolean(opts.json) });
      let running = 0;
      let finished = 0;
      let failed = 0;
      const total = plan.jobs.length;
      const local = opts.executor === "local" ? new LocalExecutor({ outDir: opts.out, workers: opts.workers, data, onSpawn: () => view.counts({ queued: total - finished - ++running, running, done: finished - failed, failed }) }) : null;
      const queue = local
        ? null
        : new QueueExecutor({ redis: opts.redis, queue: opts.queue, outDir: opts.out, store: opts.store, attempts: opts.attempts, backoffMs: opts.backoffMs, params: Boolean(opts.params), retryFailed: Boolean(opts.retryFailed), pollMs: opts.pollMs, specHash: hash, log, onCounts: (c) => view.counts(c) });
      const localWorker = `${hostname()} (local)`;
      log(`sweep ${hash.slice(0, 12)}: ${total} jobs (${spec.experiment}) on the ${opts.executor} executor -> ${opts.out}`);
      const outcomes = await (local ?? queue)!.run(plan.jobs, {
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
      const records = outcomes.map((o) => ({
        hash: o.job.hash,
        status: o.status === "failed" ? ("failed" as const) : ("done" as const),
        attempts: queue ? (queue.attempts.get(o.job.hash) ?? 0) : o.status === "cached" ? 0 : 1,
        summary: o.summary ?? null,
        ...(o.error ? { error: o.error } : {}),
      }));
      const table = await finishSweep(opts.out, plan, opts.executor, records);
      if (opts.json) process.stdout.write(JSON.stringify({ spec, executor: opts.executor, jobs: records }, null, 2) + "\n");
      else process.stdout.write(table + `sweep record: ${join(opts.out, "sweep.json")}\n`);
      const bad = outcomes.filter((o) => o.status === "failed");
      if (bad.length) throw new NinrError(`${bad.length} of ${outcomes.length} jobs failed (first: ${bad[0].error?.split("\n")[0]}); rerun the same command to retry them${queue ? " (with --retry-failed)" : ""}`);
    });
}
