/**
 * Job runners by kind. Each takes the job's args and its folder, and must write `summary.json`
 * last (atomically): that file is what marks the job done for resumption.
 */
import { join } from "node:path";
import { resolveConfig } from "../config.ts";
import type { CompareJobArgs } from "../experiments/compare.ts";
import { runCompareJob } from "../experiments/compareRun.ts";
import { type PhaseJobArgs, runPhaseJob } from "../experiments/phaseRun.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import { disposeResult, runTraining } from "../train/run.ts";

export type Runner = (args: Record<string, unknown>, dir: string) => Promise<void>;

export const RUNNERS: Record<string, Runner> = {
  /** Diagnostic job for checking an executor setup: waits args.ms, then records its args and pid. */
  echo: async (args, dir) => {
    const start = Date.now();
    await new Promise((r) => setTimeout(r, Number(args.ms ?? 0)));
    writeJsonAtomic(join(dir, "summary.json"), { args, pid: process.pid, start, end: Date.now() });
  },
  /** One point of the E1 phase diagram: args = PhaseJobArgs. */
  phase: async (args, dir) => {
    await runPhaseJob(args as unknown as PhaseJobArgs, dir);
  },
  /** One method x model x seed of the comparison: args = CompareJobArgs. */
  compare: async (args, dir) => {
    await runCompareJob(args as unknown as CompareJobArgs, dir);
  },
  /** A plain training run: args = { config: Partial<RunConfig>, dataDir?, allowSample? }. */
  train: async (args, dir) => {
    const cfg = resolveConfig(args.config as Record<string, unknown>);
    const { result } = await runTraining(cfg, dir, { dataDir: args.dataDir as string | undefined, allowSample: Boolean(args.allowSample) });
    disposeResult(result);
  },
};
