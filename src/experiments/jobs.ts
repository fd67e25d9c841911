/**
 * Sweep jobs and the Executor interface (browser-safe). A job is typed data — a kind, its spec,
 * and the hash of both — with no local paths inside: the same job runs on this machine, in a
 * worker process, or on another machine, and its hash names its result wherever results are
 * stored, so sweeps deduplicate and resume on any executor. An executor runs jobs and hands
 * back their outcomes; experiments depend on this interface, never on a particular pool.
 */
import { canonicalJson, contentHash } from "../hash.ts";
import type { AttackJobSpec } from "./attackJob.ts";
import type { CompareJobSpec } from "./compareRun.ts";
import type { PhaseJobSpec } from "./phaseRun.ts";
import type { TrainJobSpec } from "./trainJob.ts";

export { canonicalJson };

/** The spec each job kind takes. */
export type JobSpecs = {
  train: TrainJobSpec;
  phase: PhaseJobSpec;
  compare: CompareJobSpec;
  /** Adversarial and domain-shift evaluation of a finished compare job's model (after it; src/experiments/attackJob.ts). */
  attack: AttackJobSpec;
  /** Diagnostic job for checking an executor setup: waits `ms`, records when and where it ran. */
  echo: { ms: number; tag?: string };
};
export type JobKind = keyof JobSpecs;

export type Job<K extends JobKind = JobKind> = { [P in K]: { kind: P; spec: JobSpecs[P]; hash: string } }[K];

/** A job of `kind` with `spec`, named by the hash of both. */
export function makeJob<K extends JobKind>(kind: K, spec: JobSpecs[K]): Job<K> {
  return { kind, spec, hash: contentHash({ kind, spec }) } as Job<K>;
}

/** Is a job's hash the hash of its content (files and messages read back are untrusted)? */
export function jobIntact(job: Job): boolean {
  return job.hash === contentHash({ kind: job.kind, spec: job.spec });
}

export type JobOutcome = {
  job: Job;
  /** done: ran now; cached: an earlier run's result was found; failed: the error says why. */
  status: "done" | "cached" | "failed";
  /** The job's summary (what `summary.json` holds) when it did not fail. */
  summary?: Record<string, unknown>;
  error?: string;
  seconds: number;
};

export type ExecutorRunOptions = {
  /** Called as each job finishes (cached ones first), with how many are finished of how many. */
  onJobDone?: (o: JobOutcome, finished: number, total: number) => void;
  /**
   * Jobs to run after a job has finished (or was found cached), such as the evaluation of a model
   * it trained: executors that can interleave them (the local one) run them next, so a sweep
   * stopped part-way has its follow-ups for the jobs it finished; others ignore this, and the
   * caller runs them afterwards. Follow-ups may have follow-ups; duplicates by hash run once.
   */
  followUp?: (o: JobOutcome) => Job[];
};

export interface Executor {
  /** Run every job (duplicates by hash once), skipping those with a stored result. */
  run(jobs: Job[], opts?: ExecutorRunOptions): Promise<JobOutcome[]>;
}
