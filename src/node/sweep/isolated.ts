/**
 * One job in its own scratch folder, then published into a shared results folder. Used where
 * many processes (queue workers, batch-array tasks, on one machine or many sharing a disk) write
 * to the same `runs/`: each runs its job through the local executor (a fresh process per job,
 * src/node/executors/local.ts) in a private folder, and the finished run folder is renamed into
 * `${outDir}/runs/<hash>` in one step. A run that is already there (the job finished twice:
 * at-least-once delivery) is kept and the duplicate dropped, so results are idempotent.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Job, JobOutcome } from "../../experiments/jobs.ts";
import type { DataOptions } from "../env.ts";
import { LocalExecutor } from "../executors/local.ts";
import { readSummary, runDir } from "../runFolder.ts";

/**
 * Move the finished run folder `src` to `${outDir}/runs/<hash>`. Returns false when a finished
 * run was already there (ours is deleted). An unfinished folder there (no summary) is replaced.
 */
export function publishRun(src: string, outDir: string, hash: string): boolean {
  const dest = runDir(outDir, hash);
  mkdirSync(join(outDir, "runs"), { recursive: true });
  if (readSummary(dest)) {
    rmSync(src, { recursive: true, force: true });
    return false;
  }
  rmSync(dest, { recursive: true, force: true });
  try {
    renameSync(src, dest);
  } catch (e) {
    // Someone else published between our check and our rename: theirs stands.
    if (!["ENOTEMPTY", "EEXIST"].includes((e as NodeJS.ErrnoException).code ?? "") || !readSummary(dest)) throw e;
    rmSync(src, { recursive: true, force: true });
    return false;
  }
  return true;
}

/**
 * Run `job` in a scratch folder under `scratchParent` (same file system as where it will be
 * published, so the final rename is atomic). Returns the outcome and the scratch run folder;
 * the caller publishes or reads it, then calls `cleanup`.
 */
export async function runIsolated(job: Job, scratchParent: string, data: DataOptions, onSpawn?: (pid: number) => void): Promise<{ outcome: JobOutcome; dir: string; cleanup: () => void }> {
  mkdirSync(scratchParent, { recursive: true });
  const scratch = mkdtempSync(join(scratchParent, `${job.hash.slice(0, 12)}-`));
  const ex = new LocalExecutor({ outDir: scratch, workers: 1, data, onSpawn: onSpawn && ((pid) => onSpawn(pid)) });
  const [outcome] = await ex.run([job]);
  return { outcome, dir: ex.dirOf(job), cleanup: () => rmSync(scratch, { recursive: true, force: true }) };
}
