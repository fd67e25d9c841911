/**
 * The local executor: jobs over a pool of worker processes on this machine (one job per fresh
 * process, `workers` at a time, so a sweep keeps every core busy: jax-js runs one Wasm thread
 * per process in a sweep). Results are run folders `${outDir}/runs/${hash}` (src/node/runFolder.ts).
 * Resumable: jobs whose folder holds a readable summary.json are not run again; a killed sweep
 * loses at most the jobs in flight.
 */
import { fork, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Executor, ExecutorRunOptions, Job, JobOutcome } from "../../experiments/jobs.ts";
import { NinrError } from "../../errors.ts";
import type { DataOptions } from "../env.ts";
import { readSummary, runDir } from "../runFolder.ts";

export type LocalExecutorOptions = {
  /** Jobs go to `${outDir}/runs/${hash}`. */
  outDir: string;
  workers?: number;
  /** Where workers find the data (their own disk: jobs carry no paths). */
  data?: DataOptions;
  /** Called with each worker process's pid as it starts a job (live views, tests). */
  onSpawn?: (pid: number, job: Job) => void;
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

/**
 * One sweep at a time per output folder: `${outDir}/sweep.lock` holds the owner's pid, created
 * exclusively. A lock whose process is gone (a killed sweep) is taken over. Returns the release.
 */
export function acquireLock(outDir: string): () => void {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, "sweep.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify({ pid: process.pid, started: new Date().toISOString() }) + "\n", { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let owner: { pid?: unknown; started?: unknown } = {};
      try {
        owner = JSON.parse(readFileSync(path, "utf8"));
      } catch {
        /* unreadable: treated as stale */
      }
      const pid = typeof owner.pid === "number" && Number.isInteger(owner.pid) ? owner.pid : null;
      if (pid !== null && pid !== process.pid && alive(pid))
        throw new NinrError(`another sweep (pid ${pid}, started ${String(owner.started)}) is writing to ${outDir}; wait for it to finish or stop it, or use another --out`);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new NinrError(`could not take the sweep lock ${path}; remove it if no sweep is running`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class LocalExecutor implements Executor {
  constructor(private readonly opts: LocalExecutorOptions) {}

  /** The run folder of a job. */
  dirOf(job: Job): string {
    return runDir(this.opts.outDir, job.hash);
  }

  async run(jobs: Job[], ro: ExecutorRunOptions = {}): Promise<JobOutcome[]> {
    const release = acquireLock(this.opts.outDir);
    try {
      return await this.runLocked(jobs, ro);
    } finally {
      release();
    }
  }

  private async runLocked(jobs: Job[], ro: ExecutorRunOptions): Promise<JobOutcome[]> {
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
      if (child.pid !== undefined) this.opts.onSpawn?.(child.pid, job);
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
