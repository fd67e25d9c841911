/**
 * Run a list of jobs over a pool of worker processes (one job per process, `workers` at a time, so a sweep
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
  // One fresh process per job: jax-js's Wasm memory only grows (and a few eager autodiff paths
  // leak small buffers), so a long-lived worker that ran MLP jobs can overflow the 4 GiB Wasm
  // limit on a later CNN job; a fresh process also keeps one crash from poisoning later jobs.
  const runOne = (job: Job, id: number) =>
    new Promise<void>((resolve, reject) => {
      const t0 = performance.now();
      const dir = jobDir(opts.outDir, job);
      const child: ChildProcess = fork(WORKER, [], { execArgv: ["--import", TSX], stdio: ["ignore", "ignore", "inherit", "ipc"] });
      let reported = false;
      const report = (status: "done" | "failed", error?: string) => {
        if (reported) return;
        reported = true;
        const o: JobOutcome = { job, hash: jobHash(job), dir, status, error, seconds: (performance.now() - t0) / 1000 };
        outcomes.push(o);
        opts.onJobDone?.(o, ++finished, unique.size);
      };
      child.on("message", (m: { ready?: boolean; id?: number; ok?: boolean; error?: string }) => {
        if (m.ready) {
          child.send({ id, kind: job.kind, args: job.args, dir });
          return;
        }
        report(m.ok ? "done" : "failed", m.error);
        child.disconnect();
      });
      // The process died mid-job (out of memory, killed): record it and carry on.
      child.on("exit", (code) => {
        report("failed", `worker exited with code ${code}`);
        resolve();
      });
      child.on("error", reject);
    });
  const runWorker = async () => {
    while (next < todo.length) {
      const id = next++;
      await runOne(todo[id], id);
    }
  };
  await Promise.all(Array.from({ length: nWorkers }, runWorker));
  return outcomes;
}
