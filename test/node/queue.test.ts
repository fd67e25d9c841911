/**
 * The queue executor against a real Redis (our own redis-server on a free port, AOF on, or
 * REDIS_URL) and real `ninr sweep` / `ninr worker` processes: a worker SIGKILLed mid-job, a
 * coordinator killed and restarted, a job that keeps failing, Redis restarted mid-sweep, and
 * bad or unreachable Redis URLs. Jobs are the diagnostic echo kind (they sleep, and record
 * their pid), so the test times the fault handling, not training.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { alive, descendants, freePort, groupAlive, ninr, skipReason, uniqueQueue, useTestRedis, waitFor } from "./queueHarness.ts";

const skip = skipReason();
if (skip) console.warn(skip);

/** Fast fault detection for tests: a dead worker's lock expires after 1.5 s, checked every 0.5 s. */
const FAST = ["--lock-ms", "1500", "--stalled-ms", "500"];

function specFile(spec: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "ninr-qspec-"));
  const f = join(dir, "spec.json");
  writeFileSync(f, JSON.stringify(spec));
  return f;
}

type SweepJson = { executor: string; jobs: { hash: string; status: string; attempts: number; summary: Record<string, unknown> | null; error?: string }[] };
const readSweep = (out: string): SweepJson => JSON.parse(readFileSync(join(out, "sweep.json"), "utf8"));
const startedJobs = (log: string) => [...log.matchAll(/started (\w+) \(attempt/g)].map((m) => m[1]);

describe.skipIf(skip !== null)("queue executor on a real Redis", () => {
  const redis = useTestRedis({ aof: true });

  it("a bad --redis URL or a Redis that is down exits 2 with one line, before anything is written", async () => {
    const spec = specFile({ experiment: "echo", count: 1 });
    const out = join(mkdtempSync(join(tmpdir(), "ninr-q-")), "out");
    const down = `redis://127.0.0.1:${await freePort()}`;
    const cases = [
      ["sweep", spec, "--executor", "queue", "--redis", down, "--out", out],
      ["sweep", spec, "--executor", "queue", "--redis", "http://localhost:6379", "--out", out],
      ["sweep", spec, "--executor", "queue", "--out", out],
      ["worker", "--redis", down],
      ["worker", "--redis", "not a url"],
      ["sweep", "status", spec, "--redis", down],
    ];
    const procs = cases.map((args) => ninr(args)); // at once: each is mostly process start-up
    for (const [i, p] of procs.entries()) {
      expect(await p.exit, cases[i].join(" ")).toBe(2);
      const lines = p.err().trimEnd().split("\n");
      expect(lines, p.err()).toHaveLength(1);
      expect(lines[0]).toMatch(/^ninr: .*(redis|Redis)/);
    }
    expect(procs[0].err()).toMatch(/cannot reach Redis \(ECONNREFUSED\)/);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  it("two workers, one SIGKILLed mid-job: its job is retried elsewhere and every result is there exactly once", async () => {
    const queue = uniqueQueue();
    const spec = specFile({ experiment: "echo", count: 3, ms: 3000 });
    const out = mkdtempSync(join(tmpdir(), "ninr-q-"));
    const a = ninr(["worker", "--redis", redis.url, "--queue", queue, ...FAST]);
    const b = ninr(["worker", "--redis", redis.url, "--queue", queue, ...FAST]);
    const coord = ninr(["sweep", spec, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", out, "--poll-ms", "200"]);
    await waitFor("worker A to start a job", () => startedJobs(a.err()).length > 0, 60_000);
    const victim = startedJobs(a.err())[0];
    // Its job's processes (BullMQ's sandbox child and the job process it forks; a process group of their own).
    await waitFor("worker A's job processes", () => descendants(a.proc.pid!).length >= 2, 30_000);
    const kids = descendants(a.proc.pid!);
    process.kill(a.proc.pid!, "SIGKILL"); // the worker process only: its job's processes must stop by themselves
    await waitFor("the killed worker's child processes to exit", () => !groupAlive(a.proc.pid!) && !kids.some(alive), 10_000);
    expect(await coord.exit, coord.err()).toBe(0);
    const sweep = readSweep(out);
    expect(sweep.executor).toBe("queue");
    expect(sweep.jobs).toHaveLength(3);
    expect(new Set(sweep.jobs.map((j) => j.hash)).size).toBe(3);
    expect(sweep.jobs.every((j) => j.status === "done")).toBe(true);
    expect(readdirSync(join(out, "runs")).sort()).toEqual(sweep.jobs.map((j) => j.hash).sort());
    // The victim ran again on B, and its one result is B's run.
    expect(startedJobs(b.err())).toContain(victim);
    const s = JSON.parse(readFileSync(join(out, "runs", victim, "summary.json"), "utf8"));
    expect(s.spec.tag).toBeDefined();
    expect(sweep.jobs.find((j) => j.hash === victim)!.summary).toEqual(s);
    // One line per job in the coordinator's log, none twice.
    const lines = coord.err().match(/^\[\d+\/3\] \w+ done/gm) ?? [];
    expect(lines).toHaveLength(3);
    // Rerun: every job is found finished, nothing is enqueued or run again.
    const before = startedJobs(b.err()).length;
    const again = ninr(["sweep", spec, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", out, "--json"]);
    expect(await again.exit, again.err()).toBe(0);
    expect((JSON.parse(again.out()) as SweepJson).jobs.map((j) => j.hash).sort()).toEqual(sweep.jobs.map((j) => j.hash).sort());
    expect(startedJobs(b.err()).length).toBe(before);
    // The live view from anywhere: all done, and who did them.
    const st = ninr(["sweep", "status", spec, "--redis", redis.url, "--queue", queue, "--json"]);
    expect(await st.exit, st.err()).toBe(0);
    const status = JSON.parse(st.out());
    expect(status).toMatchObject({ jobs: 3, done: 3, failed: 0, queued: 0, running: 0 });
    expect(Object.values(status.workers as Record<string, { done: number }>).reduce((n, w) => n + w.done, 0)).toBe(3);
    b.proc.kill("SIGTERM"); // idle: a graceful stop has no job to wait for (queueLifecycle.test.ts: mid-job)
    expect(await b.exit).toBe(0);
  }, 150_000);

  it("a coordinator killed and restarted with the same spec reattaches: nothing is lost or run twice", async () => {
    const queue = uniqueQueue();
    const spec = specFile({ experiment: "echo", count: 3, ms: 1500 });
    const out = mkdtempSync(join(tmpdir(), "ninr-q-"));
    const w = ninr(["worker", "--redis", redis.url, "--queue", queue, ...FAST]);
    const first = ninr(["sweep", spec, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", out, "--poll-ms", "200"]);
    await waitFor("the first job to be collected", () => /\[1\/3\]/.test(first.err()), 60_000);
    process.kill(-first.proc.pid!, "SIGKILL");
    await first.exit;
    const second = ninr(["sweep", spec, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", out, "--poll-ms", "200"]);
    expect(await second.exit, second.err()).toBe(0);
    const sweep = readSweep(out);
    expect(sweep.jobs.map((j) => j.status)).toEqual(["done", "done", "done"]);
    const ran = startedJobs(w.err());
    expect(ran.sort()).toEqual(sweep.jobs.map((j) => j.hash).sort()); // each started exactly once
    const conn = new Redis(redis.url, { maxRetriesPerRequest: null });
    const q = new Queue(queue, { connection: conn });
    const counts = await q.getJobCounts();
    await q.close();
    conn.disconnect();
    expect(counts.completed).toBe(3);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(3);
  }, 150_000);

  it("a job failing every attempt is reported failed with its error, and the sweep goes on", async () => {
    const queue = uniqueQueue();
    // trainSize beyond the bundled sample passes the spec check but fails on the worker, every time.
    const spec = specFile({ experiment: "train-grid", allowSample: true, base: { model: "mlp", widths: [784, 8, 10], holdout: 100, epochs: 1, lr: 0.05 }, grid: { trainSize: [128, 10_000_000] }, saveParams: false, curvature: false });
    const out = mkdtempSync(join(tmpdir(), "ninr-q-"));
    ninr(["worker", "--redis", redis.url, "--queue", queue, "--allow-sample", "--concurrency", "2", ...FAST]);
    const coord = ninr(["sweep", spec, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", out, "--attempts", "2", "--backoff-ms", "100", "--poll-ms", "200"]);
    expect(await coord.exit).toBe(2);
    expect(coord.err().trimEnd().split("\n").at(-1)).toMatch(/^ninr: 1 of 2 jobs failed \(first: .*train-size/);
    const sweep = readSweep(out);
    const bad = sweep.jobs.find((j) => j.status === "failed")!;
    expect(bad.attempts).toBe(2);
    expect(bad.error).toMatch(/train-size/);
    const good = sweep.jobs.find((j) => j.status === "done")!;
    expect(typeof good.summary?.clean_test_acc).toBe("number");
    expect(existsSync(join(out, "runs", good.hash, "metrics.jsonl"))).toBe(true);
  }, 150_000);

  it.skipIf(!!process.env.REDIS_URL)("workers and the coordinator reconnect after Redis restarts mid-sweep (AOF keeps the jobs)", async () => {
    const queue = uniqueQueue();
    const spec = specFile({ experiment: "echo", count: 2, ms: 2000 });
    const out = mkdtempSync(join(tmpdir(), "ninr-q-"));
    const w = ninr(["worker", "--redis", redis.url, "--queue", queue, ...FAST]);
    const coord = ninr(["sweep", spec, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", out, "--poll-ms", "200"]);
    await waitFor("a first job to start", () => startedJobs(w.err()).length > 0, 60_000);
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();
    expect(await coord.exit, coord.err()).toBe(0);
    const sweep = readSweep(out);
    expect(sweep.jobs.map((j) => j.status)).toEqual(["done", "done"]);
    expect(readdirSync(join(out, "runs"))).toHaveLength(2);
    expect(w.err()).toMatch(/connected to Redis again|ECONNREFUSED|Connection is closed/);
  }, 150_000);
});
