/**
 * The index executor, for batch schedulers that start N copies of one command and tell each its
 * index (Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX; Slurm arrays: SLURM_ARRAY_TASK_ID; AWS
 * Batch array jobs: AWS_BATCH_JOB_ARRAY_INDEX). Task I runs job I of the sweep's plan
 * (src/node/sweep/plan.ts) into the shared `${outDir}/runs/<hash>` (through a private scratch
 * folder and one rename, so tasks never see each other's half-written runs); `collect` merges
 * the finished runs (also from other folders, e.g. copied back from nodes without a shared
 * disk) and lists the indices that are missing or failed.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { NinrError } from "../../errors.ts";
import type { Job } from "../../experiments/jobs.ts";
import { writeJsonAtomic } from "../atomic.ts";
import type { DataOptions } from "../env.ts";
import { readSummary, runDir } from "../runFolder.ts";
import { publishRun, runIsolated } from "../sweep/isolated.ts";
import type { SweepJobRecord, SweepPlan } from "../sweep/plan.ts";

/** Environment variables that carry an array task's index, in the order they are looked at. */
export const INDEX_ENV = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX"] as const;

/** The index from `--index`, else from the scheduler's environment; a NinrError when neither gives a whole number. */
export function taskIndex(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const [raw, from] = flag !== undefined ? [flag, "--index"] : (INDEX_ENV.map((k) => [env[k], k] as const).find(([v]) => v !== undefined && v !== "") ?? [undefined, ""]);
  if (raw === undefined) throw new NinrError(`no task index: give --index I or set one of ${INDEX_ENV.join(", ")}`);
  if (!/^\d+$/.test(raw.trim())) throw new NinrError(`${from} must be a whole number >= 0, got '${raw.slice(0, 40)}'`);
  return Number(raw.trim());
}

const failedFile = (outDir: string, hash: string) => join(outDir, "failed", `${hash}.json`);

/**
 * Run job `index` of `plan` into outDir. Returns "done", or "cached" when its run was already
 * there. A failing job leaves `${outDir}/failed/<hash>.json` (its error, for collect) and throws.
 */
export async function runIndex(plan: SweepPlan, index: number, outDir: string, data: DataOptions): Promise<{ job: Job; status: "done" | "cached"; seconds: number }> {
  if (index >= plan.jobs.length) throw new NinrError(`--index ${index} is out of range: the sweep has ${plan.jobs.length} jobs (indices 0..${plan.jobs.length - 1})`);
  const job = plan.jobs[index];
  if (readSummary(runDir(outDir, job.hash))) return { job, status: "cached", seconds: 0 };
  const { outcome, dir, cleanup } = await runIsolated(job, join(outDir, ".scratch"), data);
  try {
    if (outcome.status === "failed" || !outcome.summary) {
      writeJsonAtomic(failedFile(outDir, job.hash), { hash: job.hash, index, error: outcome.error ?? "failed without a message", at: new Date().toISOString() });
      throw new NinrError(`job ${index} (${job.hash.slice(0, 12)}) failed: ${(outcome.error ?? "no message").split("\n")[0]}`);
    }
    publishRun(dir, outDir, job.hash);
    rmSync(failedFile(outDir, job.hash), { force: true });
    return { job, status: "done", seconds: outcome.seconds };
  } finally {
    cleanup();
  }
}

export type Collected = { records: SweepJobRecord[]; summaries: Map<string, Record<string, unknown>>; missing: number[]; failed: number[] };

/** Merge finished runs of `plan` from `from` folders into outDir, and sort every job into done / failed / missing. */
export function collectIndex(plan: SweepPlan, outDir: string, from: string[] = []): Collected {
  for (const src of from) {
    if (!existsSync(join(src, "runs"))) throw new NinrError(`--from ${src} has no runs/ folder; give the --out folder of 'ninr run-index' tasks`);
    for (const job of plan.jobs) {
      const s = runDir(src, job.hash);
      if (readSummary(runDir(outDir, job.hash)) || !readSummary(s)) continue;
      mkdirSync(join(outDir, ".incoming"), { recursive: true });
      const scratch = mkdtempSync(join(outDir, ".incoming", `${job.hash.slice(0, 12)}-`));
      cpSync(s, scratch, { recursive: true });
      publishRun(scratch, outDir, job.hash);
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const out: Collected = { records: [], summaries: new Map(), missing: [], failed: [] };
  plan.jobs.forEach((job, i) => {
    const summary = readSummary(runDir(outDir, job.hash));
    if (summary) {
      out.summaries.set(job.hash, summary);
      out.records.push({ hash: job.hash, status: "done", attempts: 1, summary });
      return;
    }
    const f = failedFile(outDir, job.hash);
    if (existsSync(f)) {
      let error = "failed";
      try {
        const v = JSON.parse(readFileSync(f, "utf8"));
        if (typeof v?.error === "string") error = v.error;
      } catch {
        /* a damaged failure note still marks a failure */
      }
      out.failed.push(i);
      out.records.push({ hash: job.hash, status: "failed", attempts: 1, summary: null, error });
    } else out.missing.push(i);
  });
  return out;
}

/** Indices as compact ranges: 0-3,7,9-10 (for rerun instructions: Slurm's --array takes this form). */
export function indexRanges(ix: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < ix.length; ) {
    let j = i;
    while (j + 1 < ix.length && ix[j + 1] === ix[j] + 1) j++;
    out.push(i === j ? `${ix[i]}` : `${ix[i]}-${ix[j]}`);
    i = j + 1;
  }
  return out.join(",");
}
