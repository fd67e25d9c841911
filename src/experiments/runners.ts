/**
 * Job runners by kind: each turns a job's spec into its run record, given the environment it
 * runs in. Executors call `runJob`; nothing here knows where records are stored.
 */
import { NinrError } from "../errors.ts";
import { disposeResult } from "../train/loop.ts";
import { runAttackJob } from "./attackJob.ts";
import { runCompareJob } from "./compareRun.ts";
import type { Job } from "./jobs.ts";
import { runPhaseJob } from "./phaseRun.ts";
import type { JobEnv, RunRecord } from "./record.ts";
import { runTrainJob } from "./trainJob.ts";

export async function runJob(job: Job, env: JobEnv): Promise<RunRecord> {
  switch (job.kind) {
    case "train": {
      const { record, result } = await runTrainJob(job.spec, env);
      disposeResult(result);
      return record;
    }
    case "phase":
      return runPhaseJob(job.spec, env);
    case "compare":
      return runCompareJob(job.spec, env);
    case "attack":
      return runAttackJob(job.spec, env);
    case "echo": {
      const start = Date.now();
      await new Promise((r) => setTimeout(r, job.spec.ms));
      return { config: {}, metrics: [], files: {}, summary: { spec: job.spec, pid: env.pid ?? null, start, end: Date.now() } };
    }
    default:
      // Jobs arrive over IPC (or, later, a queue): the kind is data, so it is checked here.
      throw new NinrError(`unknown job kind '${(job as { kind: unknown }).kind}'; known kinds: train, phase, compare, attack, echo`);
  }
}
