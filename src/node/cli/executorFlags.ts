/**
 * `--executor local|queue|index` and its flags, shared by `ninr sweep` and the experiment verbs
 * (`ninr phases`, `compare`, `detector`): registering the flags, checking their combinations
 * before anything is written, building the executor, and the index mode's plan and
 * instructions. One place, so every verb means the same by each flag.
 *
 * How the verbs use it: with `queue` a verb keeps its own flow (its jobs, its logs, its report
 * and any stage after training) and only the executor changes, because the queue executor
 * writes the same `DIR/runs/<hash>` folders as the local one; so whatever a verb does with its
 * runs holds on every executor. With `index` nothing runs here: the verb's flags become the
 * equivalent sweep spec (src/node/sweep/verbSpecs.ts), written to `DIR/sweep-spec.json` with the
 * plan, for `ninr run-index` and `ninr collect`; rerunning the verb on the local executor then
 * finds every run finished and writes its report.
 */
import { join } from "node:path";
import { type Command, Option } from "commander";
import { NinrError } from "../../errors.ts";
import type { Executor, ExecutorRunOptions, Job, JobOutcome } from "../../experiments/jobs.ts";
import { writeJsonAtomic } from "../atomic.ts";
import type { DataOptions } from "../env.ts";
import { LocalExecutor } from "../executors/local.ts";
import { QueueExecutor } from "../executors/queue.ts";
import { DEFAULT_QUEUE, checkRedisUrl, probeRedis } from "../executors/queueConnection.ts";
import type { SweepCounts } from "../sweep/liveView.ts";
import { PLAN_FILE, type SweepJobRecord, planSweep, writeSweepRecord } from "../sweep/plan.ts";
import { type SweepSpec, specHash } from "../sweep/spec.ts";
import { num, oneOf } from "./flags.ts";

export const EXECUTORS = ["local", "queue", "index"] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

/** The parsed flags (commander's camelCase names). */
export type ExecutorFlags = {
  executor: ExecutorName;
  redis?: string;
  queue: string;
  store?: string;
  attempts: number;
  backoffMs: number;
  pollMs: number;
  params?: boolean;
  retryFailed?: boolean;
};

/** Where a verb's flags are written as a sweep spec (`--executor queue|index`). */
export const VERB_SPEC_FILE = "sweep-spec.json";

/** Register the executor flags on `cmd` (returned, for chaining). */
export function addExecutorFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option("--executor <name>", "local | queue (with --redis; 'ninr worker' processes run the jobs) | index (then ninr run-index, ninr collect)").default("local").argParser(oneOf("--executor", EXECUTORS)))
    .option("--redis <url>", "queue: Redis URL, e.g. redis://HOST:6379/0")
    .option("--queue <name>", "queue: BullMQ queue name (workers must use the same)", DEFAULT_QUEUE)
    .option("--store <dir>", "queue: the workers' shared results folder (when they run with --store)")
    .addOption(new Option("--attempts <n>", "queue: tries per job before it is reported failed").default(3).argParser(num("--attempts", { min: 1, max: 100, integer: true })))
    .addOption(new Option("--backoff-ms <ms>", "queue: first retry delay, doubling per try").default(5000).argParser(num("--backoff-ms", { min: 0, integer: true })))
    .addOption(new Option("--poll-ms <ms>", "queue: how often the coordinator polls job states").default(1000).argParser(num("--poll-ms", { min: 50, integer: true })))
    .option("--params", "queue: workers send params.safetensors back through Redis too")
    .option("--retry-failed", "queue: retry jobs that failed in an earlier run of this sweep");
}

/**
 * Check the combination before anything is written: the queue needs a reachable Redis (probed
 * now: an unreachable one is one line and exit 2), and the queue's own flags mean nothing on
 * another executor, so giving them there is a mistake worth a line rather than silence.
 */
export async function checkExecutorFlags(o: ExecutorFlags): Promise<void> {
  if (o.executor === "queue") {
    if (!o.redis) throw new NinrError("--executor queue needs --redis URL (e.g. redis://localhost:6379)");
    const { warning } = await probeRedis(checkRedisUrl(o.redis));
    if (warning) process.stderr.write(`warning: ${warning}\n`);
    return;
  }
  const given = [o.redis && "--redis", o.store && "--store", o.params && "--params", o.retryFailed && "--retry-failed"].filter(Boolean);
  if (given.length) throw new NinrError(`${given.join(" and ")} go${given.length === 1 ? "es" : ""} with --executor queue, not ${o.executor}; add --executor queue or drop ${given.length === 1 ? "it" : "them"}`);
}

export type ExecutorContext = {
  outDir: string;
  /** Local: parallel worker processes (default: cores). */
  workers?: number;
  data: DataOptions;
  log: (line: string) => void;
  /** Queue: the sweep's spec hash, under which the plan is kept in Redis for `ninr sweep status`. */
  specHash?: string;
  /** Queue: params.safetensors come back even without --params (a verb whose later stages read the trained parameters). */
  params?: boolean;
  onSpawn?: (pid: number, job: Job) => void;
  onCounts?: (c: SweepCounts) => void;
};

/** The local or queue executor the flags name (`index` runs nothing here: see writeIndexPlan). */
export function makeExecutor(o: ExecutorFlags, c: ExecutorContext): LocalExecutor | QueueExecutor {
  if (o.executor === "local") return new LocalExecutor({ outDir: c.outDir, workers: c.workers, data: c.data, onSpawn: c.onSpawn });
  if (o.executor === "queue")
    return new QueueExecutor({
      redis: o.redis!,
      queue: o.queue,
      outDir: c.outDir,
      store: o.store,
      attempts: o.attempts,
      backoffMs: o.backoffMs,
      params: Boolean(o.params || c.params),
      retryFailed: Boolean(o.retryFailed),
      pollMs: o.pollMs,
      specHash: c.specHash,
      log: c.log,
      onCounts: c.onCounts,
    });
  throw new Error(`makeExecutor: ${o.executor} runs no jobs in this process`);
}

/** One `sweep.json` row per outcome (attempts as BullMQ counted them on the queue). */
export function sweepRecords(outcomes: JobOutcome[], queue: QueueExecutor | null): SweepJobRecord[] {
  return outcomes.map((o) => ({
    hash: o.job.hash,
    status: o.status === "failed" ? ("failed" as const) : ("done" as const),
    attempts: queue ? (queue.attempts.get(o.job.hash) ?? 0) : o.status === "cached" ? 0 : 1,
    summary: o.summary ?? null,
    ...(o.error ? { error: o.error } : {}),
  }));
}

/** Write a verb's flags as a sweep spec into its --out folder; returns the file (run-index, collect and `sweep status` name it). */
export function writeVerbSpec(outDir: string, spec: SweepSpec): string {
  const file = join(outDir, VERB_SPEC_FILE);
  writeJsonAtomic(file, spec);
  return file;
}

/**
 * A verb's executor: the local path exactly as before, or the queue with the verb's spec in
 * Redis (so `ninr sweep status` shows it) and `DIR/sweep.json` written when the jobs end, as
 * `ninr sweep` writes it.
 */
export function verbExecutor(o: ExecutorFlags, c: ExecutorContext & { spec: () => SweepSpec }): Executor & { dirOf(job: Job): string } {
  if (o.executor !== "queue") return makeExecutor(o, c);
  const spec = c.spec();
  const file = writeVerbSpec(c.outDir, spec);
  const queue = makeExecutor(o, { ...c, specHash: specHash(spec) }) as QueueExecutor;
  c.log(`queue '${o.queue}': start workers with 'ninr worker --redis URL --queue ${o.queue}'; progress from anywhere: ninr sweep status --redis URL --queue ${o.queue} ${file}`);
  return {
    dirOf: (job: Job) => queue.dirOf(job),
    async run(jobs: Job[], ro?: ExecutorRunOptions) {
      const outcomes = await queue.run(jobs, ro);
      writeSweepRecord(c.outDir, spec, "queue", sweepRecords(outcomes, queue));
      return outcomes;
    },
  };
}

/**
 * `--executor index`: expand the spec into `DIR/sweep-plan.json` and print what each array task
 * and the collector run. `specFile` is the spec as the tasks will name it (a verb passes none:
 * its spec is written to `DIR/sweep-spec.json`); `rerun` names the verb whose local rerun
 * writes the report; `data` adds --data to the printed task command when given.
 */
export async function writeIndexPlan(spec: SweepSpec, outDir: string, o: { specFile?: string; data: DataOptions; log: (s: string) => void; json?: boolean; rerun?: string }): Promise<void> {
  const specFile = o.specFile ?? writeVerbSpec(outDir, spec);
  const plan = await planSweep(spec, outDir, { data: o.data, log: o.log });
  const hash = specHash(spec);
  const n = plan.jobs.length;
  if (o.json) {
    process.stdout.write(JSON.stringify({ jobs: n, plan: join(outDir, PLAN_FILE), spec: specFile, spec_hash: hash }) + "\n");
    return;
  }
  const data = o.data.dataDir ? ` --data ${o.data.dataDir}` : "";
  process.stdout.write(
    `sweep ${hash.slice(0, 12)}: ${n} jobs, plan in ${join(outDir, PLAN_FILE)}\n` +
      `run indices 0..${n - 1} (Kubernetes completions: ${n}, Slurm --array=0-${n - 1}), each:\n` +
      `  ninr run-index --spec ${specFile} --out ${outDir}${data}        (index from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID, or --index I)\n` +
      `then: ninr collect --spec ${specFile} --out ${outDir}\n` +
      (o.rerun ? `then rerun this 'ninr ${o.rerun}' command without --executor index: it finds every run finished and writes the ${o.rerun} report\n` : ""),
  );
}
