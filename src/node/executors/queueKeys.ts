/**
 * Redis keys ninr keeps beside BullMQ's own (`bull:<queue>:*`): a sweep's plan (its job hashes,
 * so `ninr sweep status SPEC` needs no expansion) and per-job run statistics written by workers
 * (who ran a job, how long, its summary), for the live view.
 */
export const planKey = (queue: string, specHash: string) => `ninr:${queue}:plan:${specHash}`;
export const statsKey = (queue: string) => `ninr:${queue}:stats`;

/** One worker's record of a finished job (the value of statsKey's hash field <job hash>). */
export type JobStat = { worker: string; seconds: number; finishedOn: number; summary: Record<string, unknown> };

export function parseJobStat(raw: string | null | undefined): JobStat | null {
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as JobStat;
    return s && typeof s.worker === "string" && typeof s.seconds === "number" && typeof s.finishedOn === "number" && s.summary && typeof s.summary === "object" ? s : null;
  } catch {
    return null;
  }
}
