/**
 * `ninr worker --redis URL`: a queue worker on this machine (src/node/executors/queueWorker.ts).
 * Runs until stopped. SIGINT/SIGTERM (Ctrl-C, `kill`, `docker stop`, a node drained): it takes
 * no new jobs, lets the running ones finish and publish their results, then exits 0; a second
 * signal stops it at once (exit 130/143), and its unfinished jobs go to other workers once their
 * locks expire. Many may run, on many machines; each needs only the Redis URL and its own copy
 * of the data.
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
      // main.ts stops every verb at once on a signal; a worker stops gracefully instead, so a
      // drained machine or a Ctrl-C does not throw away a job that is minutes from done. Its job
      // processes ignore the signals (a terminal's Ctrl-C reaches the whole process group; see
      // processorEnv) and stop when this process goes, through their closed IPC channels.
      let stopping = false;
      const stopped = new Promise<void>((resolve) => {
        for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
          process.removeAllListeners(signal);
          process.on(signal, () => {
            if (stopping) {
              log(`worker ${w.id}: ${signal} again: stopping now; its unfinished jobs go to other workers after --lock-ms`);
              process.exit(code);
            }
            stopping = true;
            log(`worker ${w.id}: ${signal}: taking no new jobs, finishing the running ones, then exiting (${signal} again: stop now)`);
            w.close().then(resolve, (e: Error) => {
              log(`worker ${w.id}: closing failed (${e.message.split("\n")[0]}); its unfinished jobs go to other workers after --lock-ms`);
              process.exit(1);
            });
          });
        }
      });
      log(`worker ${w.id}: waiting for jobs on queue '${opts.queue}' (concurrency ${opts.concurrency})`);
      await stopped;
      log(`worker ${w.id}: stopped`);
      process.exit(0); // whatever handle a library left open must not keep a stopped worker alive
    });
}
