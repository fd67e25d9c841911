/**
 * The queue worker's sandboxed processor: BullMQ forks this file into a child process
 * (`new Worker(queue, thisFile, {useWorkerThreads: false})`), so a job's training never blocks
 * the worker's event loop, where BullMQ renews the job's lock (a starved lock would read as a
 * stalled job and be run twice). The child itself stays light: it runs the job through the
 * local executor (one fresh process per job: jax-js's Wasm memory only grows, and BullMQ reuses
 * its children) in a scratch folder, then either publishes the run folder into the shared
 * `--store` or packs it into the job's return value (src/node/executors/queuePayload.ts).
 * Settings arrive in the environment (see `processorEnv`), as jobs carry no local paths.
 */
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Job as BullJob } from "bullmq";
import { type Job, jobIntact } from "../../experiments/jobs.ts";
import type { DataOptions } from "../env.ts";
import { publishRun, runIsolated } from "../sweep/isolated.ts";
import { type RunPayload, packRunFolder } from "./queuePayload.ts";

/** What a queue job carries: the typed job (its hash is the BullMQ jobId) and transport wishes. */
export type QueueJobData = { job: Job; params?: boolean };

/**
 * The environment the worker passes to its processor children (and they to the job processes
 * they fork). NINR_JOB_SIGNALS=ignore: the job processes leave SIGINT/SIGTERM to the worker,
 * which lets a running job finish on the first signal (src/node/cli/worker.ts); they stop when
 * their parent goes (IPC disconnect). BullMQ's child wrapper already waits for its job on them.
 */
export function processorEnv(o: { data: DataOptions; store?: string; worker: string }): Record<string, string> {
  return { NINR_QUEUE_DATA: JSON.stringify(o.data), NINR_QUEUE_STORE: o.store ?? "", NINR_QUEUE_WORKER: o.worker, NINR_JOB_SIGNALS: "ignore" };
}

// The worker process gone (SIGKILL, a dead machine) closes our IPC channel: stop now, so the
// job's training process (whose channel is us) stops too, instead of finishing a job that
// BullMQ will already have handed to another worker as stalled.
process.on("disconnect", () => process.exit(1));

export default async function processJob(bull: BullJob<QueueJobData>): Promise<RunPayload> {
  const { job, params } = bull.data ?? ({} as QueueJobData);
  if (!job || typeof job !== "object" || !jobIntact(job) || job.hash !== bull.id) throw new Error(`queue job ${bull.id}: its data is not the job its id names`);
  const data = JSON.parse(process.env.NINR_QUEUE_DATA || "{}") as DataOptions;
  const store = process.env.NINR_QUEUE_STORE || "";
  const worker = process.env.NINR_QUEUE_WORKER || `${hostname()}:${process.pid}`;
  const scratchParent = store ? join(store, ".scratch") : join(tmpdir(), "ninr-queue");
  const { outcome, dir, cleanup } = await runIsolated(job, scratchParent, data);
  try {
    if (outcome.status === "failed" || !outcome.summary) throw new Error(outcome.error ?? "the job failed without a message");
    const base = { hash: job.hash, worker, seconds: outcome.seconds, summary: outcome.summary };
    if (store) {
      publishRun(dir, store, job.hash);
      return { ...base, stored: true };
    }
    return { ...base, files: packRunFolder(dir, Boolean(params)) };
  } finally {
    cleanup();
  }
}
