/**
 * The local executor: jobs over a pool of worker processes on this machine (one job per fresh
 * process, `workers` at a time, so a sweep keeps every core busy: jax-js runs one Wasm thread
 * per process in a sweep). Results are run folders `${outDir}/runs/${hash}` (src/node/runFolder.ts).
 * Resumable: jobs whose folder holds a readable summary.json are not run again; a killed sweep
 * loses at most the jobs in flight.
 */
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Executor, ExecutorRunOptions, Job, JobOutcome } from "../../experiments/jobs.ts";
import type { DataOptions } from "../env.ts";
import { readSummary, runDir } from "../runFolder.ts";

export type LocalExecutorOptions = {
  /** Jobs go to `${outDir}/runs/${hash}`. */
  outDir: string;
  workers?: number;
  /** Where workers find the data (their own disk: jobs carry no paths). */
  data?: DataOptions;
};

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
/**
 * tsx's loader (its package "." export, dist/loader.mjs), resolved from this package rather than
 * the cwd, so workers start from any folder. createRequire instead of import.meta.resolve,
 * which vitest does not provide.
 */
const TSX = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/loader.mjs")).href;

/** The message a worker process receives. */
export type WorkerRequest = { job: Job; dir: string; data: DataOptions };
/** ... and answers. */
export type WorkerReply = { ready?: boolean; ok?: boolean; error?: string; summary?: Record<string, unknown> };

export class LocalExecutor implements Executor {
  constructor(private readonly opts: LocalExecutorOptions) {}

  /** The run folder of a job. */
  dirOf(job: Job): string {
    return runDir(this.opts.outDir, job.hash);
  }

  async run(jobs: Job[], ro: ExecutorRunOptions = {}): Promise<JobOutcome[]> {
    const unique = new Map<string, Job>();
    for (const j of jobs) unique.set(j.hash, j);
    const outcomes: JobOutcome[] = [];
    const todo: Job[] = [];
    let finished = 0;
    const report = (o: JobOutcome) => {
      outcomes.push(o);
      ro.onJobDone?.(o, ++finished, unique.size);
    };
    for (const job of unique.values()) {
      const summary = readSummary(this.dirOf(job));
      if (summary) report({ job, status: "cached", summary, seconds: 0 });
      else todo.push(job);
    }
    const nWorkers = Math.max(1, Math.min(this.opts.workers ?? availableParallelism(), todo.length));
    let next = 0;
    const runWorker = async () => {
      while (next < todo.length) await this.runOne(todo[next++], report);
    };
    await Promise.all(Array.from({ length: nWorkers }, runWorker));
    return outcomes;
  }

  /**
   * One fresh process per job: jax-js's Wasm memory only grows (and a few eager autodiff paths
   * leak small buffers), so a long-lived worker that ran MLP jobs can overflow the 4 GiB Wasm
   * limit on a later CNN job; a fresh process also keeps one crash from poisoning later jobs.
   */
  private runOne(job: Job, report: (o: JobOutcome) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      const child: ChildProcess = fork(WORKER, [], { execArgv: ["--import", TSX], stdio: ["ignore", "ignore", "inherit", "ipc"] });
      let reported = false;
      const done = (status: "done" | "failed", error?: string, summary?: Record<string, unknown>) => {
        if (reported) return;
        reported = true;
        report({ job, status, summary, error, seconds: (performance.now() - t0) / 1000 });
      };
      child.on("message", (m: WorkerReply) => {
        if (m.ready) {
          const req: WorkerRequest = { job, dir: this.dirOf(job), data: this.opts.data ?? {} };
          child.send(req);
          return;
        }
        done(m.ok ? "done" : "failed", m.error, m.summary);
        child.disconnect();
      });
      // The process died mid-job (out of memory, killed): record it and carry on.
      child.on("exit", (code) => {
        done("failed", `worker exited with code ${code}`);
        resolve();
      });
      child.on("error", reject);
    });
  }
}
