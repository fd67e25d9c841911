/**
 * The local executor: jobs over a pool of worker processes on this machine (one job per fresh
 * process, `workers` at a time, so a sweep keeps every core busy: jax-js runs one Wasm thread
 * per process in a sweep). Results are run folders `${outDir}/runs/${hash}` (src/node/runFolder.ts).
 * Resumable: jobs whose folder holds a readable summary.json are not run again; a killed sweep
 * loses at most the jobs in flight.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Executor, ExecutorRunOptions, Job, JobOutcome } from "../../experiments/jobs.ts";
import { NinrError } from "../../errors.ts";
import type { DataOptions } from "../env.ts";
import { RUN_FILES, readSummary, runDir } from "../runFolder.ts";

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
 * which vitest does not provide. Resolved when a worker is started, not at import: a bundle of
 * code that imports this module (bench/gpu/pack.sh) runs where tsx is not installed.
 */
const tsxLoader = () => pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/loader.mjs")).href;

/** The message a worker process receives. */
export type WorkerRequest = { job: Job; dir: string; data: DataOptions };
/** ... and answers. */
export type WorkerReply = { ready?: boolean; ok?: boolean; error?: string; summary?: Record<string, unknown> };

/**
 * One writer at a time per output folder: `${outDir}/${kind}.lock` ("sweep.lock", "train.lock")
 * holds the owner's pid and host, created exclusively. A lock whose process is gone (a killed
 * sweep) is taken over, with a note on stderr; a lock this process already holds is shared (the
 * CLI takes it before writing anything, the executor again when it runs). The lock goes when its
 * holder releases it or exits (also on Ctrl-C). Returns the release.
 */
export function acquireLock(outDir: string, kind: "sweep" | "train" = "sweep"): () => void {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${kind}.lock`);
  const host = hostname();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify({ pid: process.pid, host, started: new Date().toISOString() }) + "\n", { flag: "wx" });
      const release = () => {
        process.off("exit", release);
        rmSync(path, { force: true });
      };
      process.on("exit", release);
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new NinrError(`cannot create the ${kind} lock ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is ${outDir} writable?`);
      let owner: { pid?: unknown; host?: unknown; started?: unknown } = {};
      try {
        owner = JSON.parse(readFileSync(path, "utf8"));
      } catch {
        /* unreadable (a torn write of a killed process, or not a file): treated as stale */
      }
      const pid = owner && typeof owner.pid === "number" && Number.isInteger(owner.pid) && owner.pid > 0 ? owner.pid : null;
      const sameHost = owner?.host === undefined || owner.host === host;
      if (pid === process.pid && sameHost) return () => {}; // ours already: the outer holder releases it
      const started = typeof owner?.started === "string" ? owner.started.slice(0, 40) : "at an unknown time";
      if (pid !== null && (!sameHost || alive(pid)))
        throw new NinrError(`another ${kind} (pid ${pid}${sameHost ? "" : ` on ${String(owner.host).slice(0, 60)}`}, started ${started}) is writing to ${outDir}; wait for it to finish or stop it, or use another --out`);
      process.stderr.write(`note: taking over the stale ${kind} lock ${path} (${pid === null ? "unreadable" : `its process ${pid} is gone`})\n`);
      rmSync(path, { force: true, recursive: true });
    }
  }
  throw new NinrError(`could not take the ${kind} lock ${path}; remove it if no ${kind} is running`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Workers still running. When the coordinator exits (done, an error, Ctrl-C) they are told to
 * stop; a coordinator killed outright is noticed by the workers themselves (IPC disconnect).
 */
const LIVE_WORKERS = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of LIVE_WORKERS) c.kill("SIGTERM");
});

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
    const outcomes: JobOutcome[] = [];
    const todo: Job[] = [];
    let next = 0;
    let finished = 0;
    let running = 0;
    // Wakes workers waiting for follow-ups of running jobs (or for the last job to end).
    let wake: () => void = () => {};
    let changed = new Promise<void>((r) => (wake = r));
    const signal = () => {
      const w = wake;
      changed = new Promise<void>((r) => (wake = r));
      w();
    };
    /** Report a job as cached, or queue it: at the end, or next in line for a follow-up (so it runs soon after the job it follows). */
    const enqueue = (job: Job, followUp: boolean) => {
      const summary = readSummary(this.dirOf(job));
      if (summary) return report({ job, status: "cached", summary, seconds: 0 });
      // A summary.json that is there but unreadable (torn, empty, hand-edited) is not a result.
      if (existsSync(join(this.dirOf(job), RUN_FILES.summary))) process.stderr.write(`note: ${join(this.dirOf(job), RUN_FILES.summary)} is damaged; recomputing that run\n`);
      if (followUp) todo.splice(next, 0, job);
      else todo.push(job);
    };
    const report = (o: JobOutcome) => {
      outcomes.push(o);
      ro.onJobDone?.(o, ++finished, unique.size);
      for (const f of ro.followUp?.(o) ?? [])
        if (!unique.has(f.hash)) {
          unique.set(f.hash, f);
          enqueue(f, true);
        }
      signal();
    };
    // Every given job counts in the totals reported from the start; follow-ups add to them.
    for (const job of jobs) unique.set(job.hash, job);
    for (const job of [...unique.values()]) enqueue(job, false);
    const nWorkers = Math.max(1, Math.min(this.opts.workers ?? availableParallelism(), todo.length));
    const runWorker = async () => {
      for (;;) {
        if (next < todo.length) {
          running++;
          await this.runOne(todo[next++], report);
          running--;
          signal();
        } else if (running > 0 && ro.followUp) await changed; // a running job may still bring follow-ups
        else return;
      }
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
      const child: ChildProcess = fork(WORKER, [], { execArgv: ["--import", tsxLoader()], stdio: ["ignore", "ignore", "inherit", "ipc"] });
      LIVE_WORKERS.add(child);
      child.once("exit", () => LIVE_WORKERS.delete(child));
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
