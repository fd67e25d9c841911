/**
 * `ninr worker --redis URL`: a queue worker on this machine (src/node/executors/queueWorker.ts).
 * Runs until stopped (SIGINT/SIGTERM: at once; its unfinished jobs go to other workers once
 * their locks expire). Many may run, on many machines; each needs only the Redis URL and its
 * own copy of the data.
 */
import { type Command, Option } from "commander";
import { DEFAULT_QUEUE, checkRedisUrl, probeRedis } from "../executors/queueConnection.ts";
import { startQueueWorker } from "../executors/queueWorker.ts";
import { prepareOutDir } from "../runFolder.ts";
import { num } from "./flags.ts";

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("pull sweep jobs from a Redis queue and run them (sandboxed child processes) until stopped")
    .requiredOption("--redis <url>", "Redis URL, e.g. redis://HOST:6379/0")
    .option("--queue <name>", "BullMQ queue name (the coordinator's --queue)", DEFAULT_QUEUE)
    .addOption(new Option("--concurrency <n>", "jobs at a time (one process each)").default(1).argParser(num("--concurrency", { min: 1, max: 256, integer: true })))
    .option("--store <dir>", "shared results folder: runs go to DIR/runs/<hash> instead of through Redis")
    .addOption(new Option("--lock-ms <ms>", "job lock: a dead worker's jobs are retried elsewhere this long after it died").default(30000).argParser(num("--lock-ms", { min: 500, integer: true })))
    .addOption(new Option("--stalled-ms <ms>", "how often to look for jobs of dead workers").default(30000).argParser(num("--stalled-ms", { min: 200, integer: true })))
    .addOption(new Option("--max-stalled <n>", "a job whose worker died more often than this is failed").default(2).argParser(num("--max-stalled", { min: 0, max: 100, integer: true })))
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files on this machine")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .action(async (opts) => {
      const { warning } = await probeRedis(checkRedisUrl(opts.redis));
      if (opts.store) prepareOutDir(opts.store, "--store");
      const log = (s: string) => process.stderr.write(s + "\n");
      if (warning) log(`warning: ${warning}`);
      const w = startQueueWorker({
        redis: opts.redis,
        queue: opts.queue,
        concurrency: opts.concurrency,
        store: opts.store,
        data: { dataDir: opts.data, allowSample: Boolean(opts.allowSample) },
        lockMs: opts.lockMs,
        stalledMs: opts.stalledMs,
        maxStalled: opts.maxStalled,
        log,
      });
      log(`worker ${w.id}: waiting for jobs on queue '${opts.queue}' (concurrency ${opts.concurrency})`);
      // Runs until stopped. Ctrl-C / SIGTERM stop it at once (src/node/cli/main.ts): its job
      // processes see the channel close and stop too, and its jobs, no longer locked, are retried
      // by the other workers after --lock-ms.
      await new Promise<void>(() => {});
    });
}
