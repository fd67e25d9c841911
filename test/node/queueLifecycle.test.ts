/**
 * The queue's life cycle against a real Redis and real `ninr` processes: a worker stopped by a
 * signal mid-job finishes that job (its result published once) and exits 0, a second signal stops
 * it at once; `ninr sweep clean` removes one sweep's finished and failed jobs and nothing of
 * another sweep's. Jobs are the diagnostic echo kind (they sleep and record their pid).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { planKey } from "../../src/node/executors/queueKeys.ts";
import { checkSweepSpec, specHash } from "../../src/node/sweep/spec.ts";
import { alive, descendants, ninr, skipReason, uniqueQueue, useTestRedis, waitFor } from "./queueHarness.ts";

const skip = skipReason();
if (skip) console.warn(skip);

const FAST = ["--lock-ms", "1500", "--stalled-ms", "500"];

function specFile(spec: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), "ninr-qspec-")), "spec.json");
  writeFileSync(f, JSON.stringify(spec));
  return f;
}

type SweepJson = { jobs: { hash: string; status: string; attempts: number; summary: Record<string, unknown> | null }[] };
const readSweep = (out: string): SweepJson => JSON.parse(readFileSync(join(out, "sweep.json"), "utf8"));
const startedJobs = (log: string) => [...log.matchAll(/started (\w+) \(attempt/g)].map((m) => m[1]);

async function withQueue<T>(url: string, name: string, f: (q: Queue, conn: Redis) => Promise<T>): Promise<T> {
  const conn = new Redis(url, { maxRetriesPerRequest: null });
  const q = new Queue(name, { connection: conn });
  try {
    return await f(q, conn);
  } finally {
    await q.close();
    conn.disconnect();
  }
}

describe.skipIf(skip !== null)("queue life cycle on a real Redis", () => {
  const redis = useTestRedis();

  it("a worker sent SIGTERM mid-job finishes that job, publishes it once, takes no other and exits 0", async () => {
    const queue = uniqueQueue();
    const spec = specFile({ experiment: "echo", count: 3, ms: 4000 });
    const out = mkdtempSync(join(tmpdir(), "ninr-q-"));
    const a = ninr(["worker", "--redis", redis.url, "--queue", queue, ...FAST]);
    const coord = ninr(["sweep", spec, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", out, "--poll-ms", "200"]);
    await waitFor("worker A to start a job", () => startedJobs(a.err()).length > 0, 60_000);
    const [job] = startedJobs(a.err());
    await waitFor("worker A's job processes", () => descendants(a.proc.pid!).length >= 2, 30_000);
    const jobPids = descendants(a.proc.pid!);
    a.proc.kill("SIGTERM"); // the worker process only, as `kill PID` or `docker stop` would
    expect(await a.exit, a.err()).toBe(0);
    const log = a.err();
    expect(log.match(/SIGTERM: taking no new jobs/g) ?? []).toHaveLength(1);
    expect(log).toMatch(new RegExp(`done ${job} in`));
    expect(log.indexOf(`done ${job} in`)).toBeGreaterThan(log.indexOf("SIGTERM:")); // finished after the signal
    expect(startedJobs(log)).toEqual([job]); // and took nothing after it
    await waitFor("its job processes to exit", () => !jobPids.some(alive), 10_000);
    // Another worker runs the rest; the stopped worker's job is not run again.
    const b = ninr(["worker", "--redis", redis.url, "--queue", queue, ...FAST]);
    expect(await coord.exit, coord.err()).toBe(0);
    expect(startedJobs(b.err())).not.toContain(job);
    const sweep = readSweep(out);
    expect(sweep.jobs.map((j) => j.status)).toEqual(["done", "done", "done"]);
    const mine = sweep.jobs.find((j) => j.hash === job)!;
    expect(mine.attempts).toBe(1);
    expect(jobPids).toContain(mine.summary!.pid); // the result is the one A's job process made
    const counts = await withQueue(redis.url, queue, (q) => q.getJobCounts());
    expect(counts.completed).toBe(3);
    expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBe(3);
  }, 150_000);

  it("Ctrl-C (SIGINT to the worker's process group) lets the job run on; a second stops the worker at once, and the job is retried elsewhere", async () => {
    const queue = uniqueQueue();
    const spec = specFile({ experiment: "echo", count: 1, ms: 6000 });
    const out = mkdtempSync(join(tmpdir(), "ninr-q-"));
    const a = ninr(["worker", "--redis", redis.url, "--queue", queue, ...FAST]);
    const coord = ninr(["sweep", spec, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", out, "--poll-ms", "200"]);
    await waitFor("worker A to start the job", () => startedJobs(a.err()).length > 0, 60_000);
    await waitFor("worker A's job processes", () => descendants(a.proc.pid!).length >= 2, 30_000);
    const jobPids = descendants(a.proc.pid!);
    process.kill(-a.proc.pid!, "SIGINT"); // what a terminal's Ctrl-C does
    await waitFor("the first signal's line", () => /SIGINT: taking no new jobs/.test(a.err()), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(jobPids.every(alive)).toBe(true); // the job runs on
    process.kill(-a.proc.pid!, "SIGINT");
    expect(await a.exit).toBe(130);
    expect(a.err()).toMatch(/SIGINT again: stopping now/);
    expect(a.err()).not.toMatch(/done \w+ in/);
    await waitFor("the stopped worker's job processes to exit", () => !jobPids.some(alive), 10_000);
    const b = ninr(["worker", "--redis", redis.url, "--queue", queue, ...FAST]);
    expect(await coord.exit, coord.err()).toBe(0);
    expect(startedJobs(b.err())).toEqual(startedJobs(a.err()));
    expect(readSweep(out).jobs.map((j) => j.status)).toEqual(["done"]);
  }, 150_000);

  it("sweep clean removes one sweep's finished and failed jobs, keeps jobs another sweep shares, and refuses a sweep still running", async () => {
    const queue = uniqueQueue();
    const small = { experiment: "echo", count: 2, ms: 50 };
    const big = { experiment: "echo", count: 3, ms: 50 }; // its first two jobs are small's
    // trainSize beyond the bundled sample passes the spec check and fails on the worker.
    const failing = { experiment: "train-grid", allowSample: true, base: { model: "mlp", widths: [784, 8, 10], holdout: 100, epochs: 1 }, grid: { trainSize: [10_000_000] }, saveParams: false, curvature: false };
    const [S, B, F] = [small, big, failing].map(specFile);
    ninr(["worker", "--redis", redis.url, "--queue", queue, "--allow-sample", "--concurrency", "2", ...FAST]);
    const sweep = (file: string, extra: string[] = []) => ninr(["sweep", file, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", mkdtempSync(join(tmpdir(), "ninr-q-")), "--poll-ms", "200", ...extra]);
    for (const p of [sweep(S), sweep(B)]) expect(await p.exit, p.err()).toBe(0);
    const f = sweep(F, ["--attempts", "1"]);
    expect(await f.exit, f.err()).toBe(2);
    const clean = async (file: string) => {
      const p = ninr(["sweep", "clean", "--redis", redis.url, "--queue", queue, file]);
      return { code: await p.exit, out: p.out(), err: p.err() };
    };
    const ids = async () => withQueue(redis.url, queue, async (q) => (await q.getJobs(["completed", "failed", "waiting", "active", "delayed"])).map((j) => j.id).sort());
    expect(await ids()).toHaveLength(4); // 3 echo jobs (2 shared) + 1 failed
    // big: 1 job of its own removed, the 2 small also lists kept.
    const b = await clean(B);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toMatch(/removed 1 of its 3 jobs from queue '.*' \(1 finished, 0 failed\); kept 2 that another sweep's plan also lists/);
    expect(await ids()).toHaveLength(3);
    const s = await clean(S);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/removed 2 of its 2 jobs .*\(2 finished, 0 failed\)\n$/);
    const fl = await clean(F);
    expect(fl.code, fl.err).toBe(0);
    expect(fl.out).toMatch(/removed 1 of its 1 jobs .*\(0 finished, 1 failed\)/);
    expect(await ids()).toEqual([]);
    await withQueue(redis.url, queue, async (_q, conn) => {
      for (const spec of [small, big, failing]) expect(await conn.exists(planKey(queue, specHash(checkSweepSpec(spec))))).toBe(0);
    });
    // Cleaned already: nothing of this sweep is left.
    const again = await clean(S);
    expect(again.code).toBe(2);
    expect(again.err.trimEnd().split("\n")).toEqual([expect.stringMatching(/^ninr: no sweep with this spec .* nothing to clean/)]);
    // A sweep whose jobs wait for a worker (none on this queue) is left alone.
    const idle = uniqueQueue();
    const waiting = ninr(["sweep", S, "--executor", "queue", "--redis", redis.url, "--queue", idle, "--out", mkdtempSync(join(tmpdir(), "ninr-q-")), "--poll-ms", "200"]);
    await withQueue(redis.url, idle, async (q, conn) => {
      await waitFor("the waiting sweep's plan", async () => (await conn.exists(planKey(idle, specHash(checkSweepSpec(small))))) === 1 && (await q.getJobCounts()).waiting === 2, 60_000);
      const busy = ninr(["sweep", "clean", "--redis", redis.url, "--queue", idle, S]);
      expect(await busy.exit).toBe(2);
      expect(busy.err().trimEnd().split("\n")).toEqual([expect.stringMatching(/^ninr: 2 of 2 jobs of sweep \w+ are still queued or running; clean removes finished sweeps only/)]);
      expect((await q.getJobCounts()).waiting).toBe(2);
    });
    waiting.proc.kill("SIGKILL");
    // --redis is required.
    const noRedis = ninr(["sweep", "clean", S]);
    expect(await noRedis.exit).toBe(2);
    expect(noRedis.err().trimEnd().split("\n")).toEqual([expect.stringMatching(/^ninr: ninr sweep clean needs --redis URL/)]);
  }, 200_000);
});
