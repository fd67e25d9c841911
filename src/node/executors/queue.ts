/**
 * The queue executor, the coordinator side: enqueues every job on a BullMQ queue in Redis with
 * its hash as the jobId (BullMQ ignores an add whose id exists, so a restarted coordinator, or
 * two sweeps sharing jobs, reattach to the jobs already there instead of adding them again),
 * then polls the jobs' states and writes each finished job's run folder into
 * `${outDir}/runs/<hash>` (from its return value, or from the shared `--store`), atomically
 * and once: a run folder already there is kept (at-least-once delivery, idempotent results).
 * Workers (src/node/executors/queueWorker.ts) run the jobs. A job failing `attempts` times
 * is reported failed with its error and the sweep goes on.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Queue } from "bullmq";
import type { Executor, ExecutorRunOptions, Job, JobOutcome } from "../../experiments/jobs.ts";
import { readSummary, runDir } from "../runFolder.ts";
import { publishRun } from "../sweep/isolated.ts";
import type { SweepCounts } from "../sweep/liveView.ts";
import { acquireLock } from "./local.ts";
import { bullConnection, probeRedis } from "./queueConnection.ts";
import { planKey } from "./queueKeys.ts";
import { type RunPayload, checkPayload, unpackRunFolder } from "./queuePayload.ts";
import type { QueueJobData } from "./queueProcessor.ts";

export type QueueExecutorOptions = {
  redis: string;
  queue: string;
  outDir: string;
  /** The workers' shared results folder, when they publish there instead of returning files. */
  store?: string;
  /** Tries per job (BullMQ attempts) and the first backoff delay (ms, doubling). */
  attempts?: number;
  backoffMs?: number;
  /** Ask workers to send params.safetensors back too. */
  params?: boolean;
  /** Failed jobs from an earlier coordinator run are retried (default: reported as failed). */
  retryFailed?: boolean;
  pollMs?: number;
  /** Store the plan under this spec hash, for `ninr sweep status`. */
  specHash?: string;
  log?: (line: string) => void;
  /** Queue counts of this sweep's jobs, after every poll (the live view). */
  onCounts?: (c: SweepCounts) => void;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class QueueExecutor implements Executor {
  /** BullMQ's attempts per finished job, and the worker that ran it, by hash. */
  readonly attempts = new Map<string, number>();
  readonly workerOf = new Map<string, string>();

  constructor(private readonly opts: QueueExecutorOptions) {}

  dirOf(job: Job): string {
    return runDir(this.opts.outDir, job.hash);
  }

  async run(jobs: Job[], ro: ExecutorRunOptions = {}): Promise<JobOutcome[]> {
    const { warning } = await probeRedis(this.opts.redis);
    if (warning) this.opts.log?.(`warning: ${warning}`);
    const release = acquireLock(this.opts.outDir);
    const connection = bullConnection(this.opts.redis);
    connection.on("error", () => {}); // ioredis reconnects; commands wait meanwhile
    const queue = new Queue<QueueJobData, RunPayload>(this.opts.queue, { connection });
    queue.on("error", () => {});
    try {
      if (this.opts.specHash) await connection.set(planKey(this.opts.queue, this.opts.specHash), JSON.stringify({ jobs: [...new Map(jobs.map((j) => [j.hash, j])).values()], created: new Date().toISOString() }));
      return await this.coordinate(queue, jobs, ro);
    } finally {
      await queue.close();
      connection.disconnect();
      release();
    }
  }

  private async coordinate(queue: Queue<QueueJobData, RunPayload>, jobs: Job[], ro: ExecutorRunOptions): Promise<JobOutcome[]> {
    const unique = new Map(jobs.map((j) => [j.hash, j]));
    const outcomes: JobOutcome[] = [];
    const report = (o: JobOutcome) => {
      outcomes.push(o);
      ro.onJobDone?.(o, outcomes.length, unique.size);
    };
    const pending = new Map<string, Job>();
    for (const job of unique.values()) {
      const summary = readSummary(this.dirOf(job));
      if (summary) report({ job, status: "cached", summary, seconds: 0 });
      else pending.set(job.hash, job);
    }
    await this.enqueue(queue, [...pending.values()]);
    if (this.opts.retryFailed)
      for (const h of pending.keys())
        if ((await queue.getJobState(h)) === "failed") {
          await (await queue.getJob(h))?.retry("failed", { resetAttemptsMade: true });
          this.opts.log?.(`retrying ${h}, which failed in an earlier run`);
        }
    while (pending.size > 0) {
      const hashes = [...pending.keys()];
      const states: string[] = [];
      for (let i = 0; i < hashes.length; i += 1000) states.push(...(await Promise.all(hashes.slice(i, i + 1000).map((h) => queue.getJobState(h)))));
      const counts: SweepCounts = { queued: 0, running: 0, done: outcomes.filter((o) => o.status !== "failed").length, failed: outcomes.filter((o) => o.status === "failed").length };
      const lost: Job[] = [];
      for (let i = 0; i < hashes.length; i++) {
        const st = states[i];
        const job = pending.get(hashes[i])!;
        if (st === "completed" || st === "failed") {
          const o = await this.collect(queue, job, st);
          if (!o) continue; // completed but removed in between: found next poll as unknown
          pending.delete(job.hash);
          report(o);
          counts[o.status === "failed" ? "failed" : "done"]++;
        } else if (st === "active") counts.running++;
        else if (st === "unknown") lost.push(job);
        else counts.queued++;
      }
      // A job that vanished (Redis restarted without persistence, the queue obliterated): enqueue it again.
      if (lost.length) {
        this.opts.log?.(`${lost.length} job(s) missing from the queue (Redis lost them?): enqueued again`);
        await this.enqueue(queue, lost);
        counts.queued += lost.length;
      }
      this.opts.onCounts?.(counts);
      if (pending.size > 0) await sleep(this.opts.pollMs ?? 1000);
    }
    return outcomes;
  }

  private async enqueue(queue: Queue<QueueJobData, RunPayload>, jobs: Job[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 500)
      await queue.addBulk(
        jobs.slice(i, i + 500).map((job) => ({
          name: job.kind,
          data: { job, params: this.opts.params },
          opts: {
            jobId: job.hash,
            attempts: this.opts.attempts ?? 3,
            backoff: { type: "exponential", delay: this.opts.backoffMs ?? 5000 },
            removeOnComplete: false,
            removeOnFail: false,
          },
        })),
      );
  }

  /** A finished queue job -> its outcome, its run folder written (once) into outDir. */
  private async collect(queue: Queue<QueueJobData, RunPayload>, job: Job, state: "completed" | "failed"): Promise<JobOutcome | null> {
    const bj = await queue.getJob(job.hash);
    if (!bj) return null;
    this.attempts.set(job.hash, bj.attemptsMade);
    if (state === "failed") return { job, status: "failed", error: bj.failedReason || "failed without a reason", seconds: 0 };
    try {
      const p = checkPayload(bj.returnvalue, job.hash);
      this.workerOf.set(job.hash, p.worker);
      this.writeRun(p, job.hash);
      return { job, status: "done", summary: readSummary(this.dirOf(job)) ?? p.summary, seconds: p.seconds };
    } catch (e) {
      return { job, status: "failed", error: (e as Error).message, seconds: 0 };
    }
  }

  private writeRun(p: RunPayload, hash: string): void {
    const out = this.opts.outDir;
    if (readSummary(runDir(out, hash))) return; // finished before: counted once
    const incoming = join(out, ".incoming");
    mkdirSync(incoming, { recursive: true });
    const scratch = mkdtempSync(join(incoming, `${hash.slice(0, 12)}-`));
    try {
      if (p.stored) {
        if (!this.opts.store) throw new Error(`job ${hash}: the worker put its run in its --store; give the coordinator the same --store`);
        const src = runDir(this.opts.store, hash);
        if (resolve(src) === resolve(runDir(out, hash))) return;
        if (!readSummary(src)) throw new Error(`job ${hash}: the worker stored it, but ${src} holds no finished run`);
        cpSync(src, scratch, { recursive: true });
      } else unpackRunFolder(p, scratch);
      publishRun(scratch, out, hash);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
}
