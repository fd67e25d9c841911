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
import { RUN_FILES, isDone, runDir } from "../runFolder.ts";

export type AttackStageResult = { summaries: AttackSummary[]; failed: number; skipped: number };

export async function attackStage(
  preset: ComparePreset,
  jobs: Job<"compare">[],
  outcomes: JobOutcome[],
  o: { outDir: string; workers?: number; data: DataOptions; log: (s: string) => void },
): Promise<AttackStageResult> {
  const trainedOk = new Set(outcomes.filter((x) => x.status !== "failed").map((x) => x.job.hash));
  const all = attackJobs(preset, jobs.filter((j) => trainedOk.has(j.hash)));
  // An attack can run when its result is already there or its model's parameters are.
  const runnable = all.filter((a) => isDone(runDir(o.outDir, a.hash)) || existsSync(join(runDir(o.outDir, a.spec.source), RUN_FILES.params)));
  const skipped = all.length - runnable.length;
  if (skipped) o.log(`compare: attack stage: ${skipped} trained runs have no params.safetensors (copied without them?); their adversarial and domain-shift rows are left out`);
  if (!runnable.length) return { summaries: [], failed: 0, skipped };
  const { eps, pgdSteps } = preset.attack;
  o.log(`compare: attack stage: FGSM and PGD-L∞ (${pgdSteps} steps, eps ${eps.join(", ")}, noise off) and held-out domain shifts for ${runnable.length} trained models`);
  const executor = new LocalExecutor({ outDir: o.outDir, workers: o.workers, data: o.data });
  const outcomes2 = await executor.run(runnable, {
    onJobDone: (x, done, total) => {
      const a = x.job.kind === "attack" ? x.job.spec : null;
      const pgd = (x.summary?.adversarial as Record<string, Record<string, number>> | undefined)?.pgd;
      const shown = pgd ? ` PGD ${Object.entries(pgd).map(([e, v]) => `${e}:${(v * 100).toFixed(1)}%`).join(" ")}` : "";
      o.log(`[attack ${done}/${total}] ${a?.config.model} ${a?.config.init ?? "pytorch"} ${a?.method} seed ${a?.config.seed} ${x.status}${shown}${x.seconds ? ` (${x.seconds.toFixed(0)}s)` : ""}${x.error ? `\n  ${x.error.split("\n")[0]}` : ""}`);
    },
  });
  const summaries = outcomes2.map((x) => x.summary ?? null).filter((s): s is Record<string, unknown> => isAttackSummary(s)) as unknown as AttackSummary[];
  const failed = outcomes2.filter((x) => x.status === "failed").length;
  if (failed) o.log(`warning: ${failed} attack runs failed; rerun the same command to retry them`);
  return { summaries, failed, skipped };
}
