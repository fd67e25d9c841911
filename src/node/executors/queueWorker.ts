/**
 * A queue worker (`ninr worker`): pulls sweep jobs from a BullMQ queue on Redis and runs each in
 * a sandboxed child process (src/node/executors/queueProcessor.ts), `concurrency` at a time.
 * BullMQ gives the delivery guarantees: a job is locked while it runs and the lock is renewed
 * from this process's event loop (free, since training runs elsewhere); a worker that dies
 * stops renewing, the lock expires after `lockMs`, and any worker's stalled check (every
 * `stalledMs`) puts the job back in the queue for another worker; a job that fails is retried
 * with backoff up to the attempts its coordinator set. Redis going away is survived: ioredis
 * reconnects and the worker resumes.
 */
import { hostname } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "bullmq";
import type { DataOptions } from "../env.ts";
import { bullConnection } from "./queueConnection.ts";
import { type QueueJobData, processorEnv } from "./queueProcessor.ts";
import type { RunPayload } from "./queuePayload.ts";
import { statsKey } from "./queueKeys.ts";

const PROCESSOR = fileURLToPath(new URL("./queueProcessor.ts", import.meta.url));
/** tsx's loader, for the processor children (they load TypeScript; resolved from this package, not the cwd). */
const TSX = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/loader.mjs")).href;

export type QueueWorkerOptions = {
  redis: string;
  queue: string;
  concurrency?: number;
  /** Shared results folder: runs are published to `${store}/runs/<hash>` instead of travelling through Redis. */
  store?: string;
  data?: DataOptions;
  /** Lock duration (ms): how long a dead worker holds its jobs before they count as stalled. */
  lockMs?: number;
  /** How often (ms) this worker looks for stalled jobs of dead workers. */
  stalledMs?: number;
  /** A job stalled more often than this is failed (default 2: two dead workers in a row). */
  maxStalled?: number;
  log?: (line: string) => void;
};

export type RunningWorker = { id: string; close(): Promise<void> };

export function startQueueWorker(o: QueueWorkerOptions): RunningWorker {
  const id = `${hostname()}:${process.pid}`;
  const log = o.log ?? (() => {});
  const connection = bullConnection(o.redis);
  const stats = bullConnection(o.redis);
  for (const c of [connection, stats]) c.on("error", () => {}); // reconnects; the worker's 'error' event reports
  const worker = new Worker<QueueJobData, RunPayload>(o.queue, PROCESSOR, {
    connection,
    concurrency: o.concurrency ?? 1,
    useWorkerThreads: false,
    // detached: the job processes get a process group of their own, so a terminal's Ctrl-C (sent
    // to the whole foreground group) reaches only this process, which then lets the running jobs
    // finish (src/node/cli/worker.ts). Signalled directly, BullMQ's child could die while still
    // starting, and BullMQ 6.7 then waits for it forever. They still stop when this process dies:
    // their IPC channel closes (queueProcessor.ts).
    workerForkOptions: { execArgv: ["--import", TSX], detached: true, env: { ...process.env, ...processorEnv({ data: o.data ?? {}, store: o.store, worker: id }) } },
    lockDuration: o.lockMs ?? 30_000,
    stalledInterval: o.stalledMs ?? 30_000,
    maxStalledCount: o.maxStalled ?? 2,
  });
  let lastError = "";
  worker.on("error", (e) => {
    const msg = e.message.split("\n")[0];
    if (msg !== lastError) log(`worker ${id}: ${msg} (retrying)`);
    lastError = msg;
  });
  worker.on("ready", () => {
    if (lastError) log(`worker ${id}: connected to Redis again`);
    lastError = "";
  });
  worker.on("active", (j) => log(`worker ${id}: started ${j.id} (attempt ${j.attemptsMade + 1})`));
  worker.on("completed", (j, r) => {
    log(`worker ${id}: done ${j.id} in ${r.seconds.toFixed(1)}s`);
    // For the live view: who ran it, how long, and the summary (small), without the run's files.
    const rec = JSON.stringify({ worker: id, seconds: r.seconds, finishedOn: Date.now(), summary: r.summary });
    stats.hset(statsKey(o.queue), String(j.id), rec).catch(() => {});
  });
  worker.on("failed", (j, e) => log(`worker ${id}: ${j?.id} failed (attempt ${j?.attemptsMade}): ${e.message.split("\n")[0]}`));
  return {
    id,
    /** Stop taking jobs, wait for the running ones to finish and be published, then disconnect. */
    async close() {
      await worker.close();
      connection.disconnect();
      // QUIT after the last 'completed' record is written (disconnect would drop it), but not
      // forever: with Redis gone the record is only for the live view.
      await Promise.race([stats.quit().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
      stats.disconnect();
    },
  };
}
