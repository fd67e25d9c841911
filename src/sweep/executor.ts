/**
 * Run a list of jobs over a pool of worker processes (one job per process at a time, so a sweep
 * keeps every core busy: jax-js runs one Wasm thread per process in Node). Resumable: jobs whose
 * folder already has `summary.json` are skipped; a killed sweep loses at most the jobs in flight.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Job, jobHash } from "./spec.ts";

export type JobOutcome = { job: Job; hash: string; dir: string; status: "done" | "cached" | "failed"; error?: string; seconds: number };

export type SweepOptions = {
  /** Jobs go to `${outDir}/runs/${hash}`. */
  outDir: string;
  workers?: number;
  onJobDone?: (o: JobOutcome, finished: number, total: number) => void;
};

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
/**
 * tsx's loader (its package "." export, dist/loader.mjs), resolved from this package rather than
 * the cwd, so workers start from any folder. createRequire instead of import.meta.resolve,
 * which vitest does not provide.
 */
const TSX = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/loader.mjs")).href;

export function jobDir(outDir: string, job: Job): string {
  return join(outDir, "runs", jobHash(job));
}

export function isDone(dir: string): boolean {
  return existsSync(join(dir, "summary.json"));
}

export async function runSweep(jobs: Job[], opts: SweepOptions): Promise<JobOutcome[]> {
  const unique = new Map<string, Job>();
  for (const j of jobs) unique.set(jobHash(j), j);
  const outcomes: JobOutcome[] = [];
  const todo: Job[] = [];
  let finished = 0;
  for (const [hash, job] of unique) {
    const dir = jobDir(opts.outDir, job);
    if (isDone(dir)) {
      const o: JobOutcome = { job, hash, dir, status: "cached", seconds: 0 };
      outcomes.push(o);
      opts.onJobDone?.(o, ++finished, unique.size);
    } else todo.push(job);
  }
  const nWorkers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), todo.length));
  let next = 0;
  const runWorker = () =>
    new Promise<void>((resolve, reject) => {
      // tsx's loader runs the TypeScript worker; its exit code is watched for crashes.
      const child: ChildProcess = fork(WORKER, [], { execArgv: ["--import", TSX], stdio: ["ignore", "ignore", "inherit", "ipc"] });
      let current: { job: Job; t0: number; id: number } | null = null;
      const dispatch = () => {
        if (next >= todo.length) {
          child.disconnect();
          return;
        }
        const job = todo[next];
        current = { job, t0: performance.now(), id: next++ };
        child.send({ id: current.id, kind: job.kind, args: job.args, dir: jobDir(opts.outDir, job) });
      };
      child.on("message", (m: { ready?: boolean; id?: number; ok?: boolean; error?: string }) => {
        if (m.ready) return dispatch();
        if (!current) return;
        const o: JobOutcome = {
          job: current.job,
          hash: jobHash(current.job),
          dir: jobDir(opts.outDir, current.job),
          status: m.ok ? "done" : "failed",
          error: m.error,
          seconds: (performance.now() - current.t0) / 1000,
        };
        outcomes.push(o);
        opts.onJobDone?.(o, ++finished, unique.size);
        current = null;
        dispatch();
      });
      child.on("exit", (code) => {
        if (current) {
          // The process died mid-job (out of memory, killed): record it and carry on without it.
          const o: JobOutcome = { job: current.job, hash: jobHash(current.job), dir: jobDir(opts.outDir, current.job), status: "failed", error: `worker exited with code ${code}`, seconds: (performance.now() - current.t0) / 1000 };
          outcomes.push(o);
          opts.onJobDone?.(o, ++finished, unique.size);
        }
        resolve();
      });
      child.on("error", reject);
    });
  await Promise.all(Array.from({ length: nWorkers }, runWorker));
  return outcomes;
}
