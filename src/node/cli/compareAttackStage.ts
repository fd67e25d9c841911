/**
 * The attack stage of `ninr compare`: after the training jobs, one attack job per trained model
 * (FGSM / PGD-L∞ and the held-out domain shifts, src/experiments/attackJob.ts) on this machine's
 * worker processes, reading each model's params.safetensors from its run folder. Resumable like
 * the training: finished attack runs are kept; runs whose parameters are gone (folders committed
 * without them) are skipped with a note, never retrained here.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type ComparePreset, attackJobs } from "../../experiments/compare.ts";
import type { AttackSummary } from "../../experiments/attackJob.ts";
import type { Job, JobOutcome } from "../../experiments/jobs.ts";
import type { DataOptions } from "../env.ts";
import { LocalExecutor } from "../executors/local.ts";
import { isAttackSummary } from "../report/summaryShapes.ts";
import { RUN_FILES, isDone, readSummary, runDir } from "../runFolder.ts";

export type AttackStageResult = { summaries: AttackSummary[]; failed: number; skipped: number };

/** The log line of a finished attack job (PGD robust accuracy per eps). */
export function attackLine(x: JobOutcome, done: number, total: number): string {
  const a = x.job.kind === "attack" ? x.job.spec : null;
  const pgd = (x.summary?.adversarial as Record<string, Record<string, number>> | undefined)?.pgd;
  const shown = pgd ? ` PGD ${Object.entries(pgd).map(([e, v]) => `${e}:${(v * 100).toFixed(1)}%`).join(" ")}` : "";
  return `[${done}/${total}] attack: ${a?.config.model} ${a?.config.init ?? "pytorch"} ${a?.method} seed ${a?.config.seed} ${x.status}${shown}${x.seconds ? ` (${x.seconds.toFixed(0)}s)` : ""}${x.error ? `\n  ${x.error.split("\n")[0]}` : ""}`;
}

/**
 * The attack jobs of every trained model that are not finished yet (the local executor runs them
 * interleaved with the training, as follow-ups; this catches the rest: runs trained elsewhere, or
 * before the stage existed), then every attack summary there is.
 */
export async function attackStage(
  preset: ComparePreset,
  jobs: Job<"compare">[],
  outcomes: JobOutcome[],
  o: { outDir: string; workers?: number; data: DataOptions; log: (s: string) => void },
): Promise<AttackStageResult> {
  const trainedOk = new Set(outcomes.filter((x) => x.status !== "failed").map((x) => x.job.hash));
  const all = attackJobs(preset, jobs.filter((j) => trainedOk.has(j.hash)));
  const pending = all.filter((a) => !isDone(runDir(o.outDir, a.hash)));
  // An attack can run only where its model's parameters are.
  const runnable = pending.filter((a) => existsSync(join(runDir(o.outDir, a.spec.source), RUN_FILES.params)));
  const skipped = pending.length - runnable.length;
  if (skipped) o.log(`compare: attack stage: ${skipped} trained runs have no params.safetensors (copied without them?); their adversarial and domain-shift rows are left out`);
  let failed = 0;
  if (runnable.length) {
    const { eps, pgdSteps } = preset.attack;
    o.log(`compare: attack stage: FGSM and PGD-L∞ (${pgdSteps} steps, eps ${eps.join(", ")}, noise off) and held-out domain shifts for ${runnable.length} trained models`);
    const executor = new LocalExecutor({ outDir: o.outDir, workers: o.workers, data: o.data });
    const res = await executor.run(runnable, { onJobDone: (x, done, total) => o.log(attackLine(x, done, total)) });
    failed = res.filter((x) => x.status === "failed").length;
    if (failed) o.log(`warning: ${failed} attack runs failed; rerun the same command to retry them`);
  }
  const summaries = all.map((a) => readSummary(runDir(o.outDir, a.hash))).filter((s) => isAttackSummary(s)) as unknown as AttackSummary[];
  return { summaries, failed, skipped };
}
