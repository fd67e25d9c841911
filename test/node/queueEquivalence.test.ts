/**
 * The same small training sweep through the three executors — local processes, the Redis queue
 * with two workers, and the batch-array index mode (every index run here, then collect) — gives
 * the same results: the same jobs, the same summaries (timings aside) and the same results
 * table. Training is deterministic (same config + seed -> same numbers), so any difference is
 * an executor losing, duplicating or mangling a result.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ninr, skipReason, uniqueQueue, useTestRedis } from "./queueHarness.ts";

const skip = skipReason();
if (skip) console.warn(skip);

const SPEC = {
  experiment: "train-grid",
  allowSample: true,
  base: { model: "mlp", widths: [784, 16, 10], nin: "input", sigma: 0.5, trainSize: 256, holdout: 100, epochs: 1, batch: 64, lr: 0.05 },
  grid: { seed: [0, 1] },
  saveParams: false,
  curvature: false,
};

type SweepJson = { executor: string; jobs: { hash: string; status: string; summary: Record<string, unknown> }[] };
const TIMING = new Set(["seconds", "seconds_per_epoch", "runtime"]);
const numbers = (s: Record<string, unknown>) => Object.fromEntries(Object.entries(s).filter(([k]) => !TIMING.has(k)));
/** metrics.jsonl records without wall-clock fields. */
const metricsOf = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => Object.fromEntries(Object.entries(JSON.parse(l) as Record<string, unknown>).filter(([k]) => !/second|time|wall/i.test(k))));

describe.skipIf(skip !== null)("local, queue and index executors agree", () => {
  const redis = useTestRedis();

  it("gives identical jobs, summaries and results tables", async () => {
    const root = mkdtempSync(join(tmpdir(), "ninr-equiv-"));
    const spec = join(root, "spec.json");
    writeFileSync(spec, JSON.stringify(SPEC));
    const [L, Q, I] = ["local", "queue", "index"].map((d) => join(root, d));
    const queue = uniqueQueue();

    const local = ninr(["sweep", spec, "--out", L, "--workers", "1"]);
    for (let w = 0; w < 2; w++) ninr(["worker", "--redis", redis.url, "--queue", queue, "--allow-sample"]);
    const coord = ninr(["sweep", spec, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--out", Q, "--poll-ms", "200"]);
    const plan = ninr(["sweep", spec, "--executor", "index", "--out", I, "--json"]);
    expect(await plan.exit, plan.err()).toBe(0);
    expect(JSON.parse(plan.out()).jobs).toBe(2);
    // Index 0 from the flag, index 1 from a Kubernetes Indexed Job's environment.
    const i0 = ninr(["run-index", "--spec", spec, "--out", I, "--index", "0"]);
    expect(await i0.exit, i0.err()).toBe(0);
    const i1 = ninr(["run-index", "--spec", spec, "--out", I], { JOB_COMPLETION_INDEX: "1" });
    expect(await i1.exit, i1.err()).toBe(0);
    const collect = ninr(["collect", "--spec", spec, "--out", I]);
    expect(await collect.exit, collect.err()).toBe(0);
    expect(await local.exit, local.err()).toBe(0);
    expect(await coord.exit, coord.err()).toBe(0);

    const read = (d: string): SweepJson => JSON.parse(readFileSync(join(d, "sweep.json"), "utf8"));
    const [l, q, i] = [read(L), read(Q), read(I)];
    expect([l.executor, q.executor, i.executor]).toEqual(["local", "queue", "index"]);
    expect(l.jobs).toHaveLength(2);
    expect(q.jobs.map((j) => j.hash)).toEqual(l.jobs.map((j) => j.hash));
    expect(i.jobs.map((j) => j.hash)).toEqual(l.jobs.map((j) => j.hash));
    for (const s of [l, q, i]) expect(s.jobs.every((j) => j.status === "done")).toBe(true);
    for (let k = 0; k < 2; k++) {
      expect(numbers(q.jobs[k].summary)).toEqual(numbers(l.jobs[k].summary));
      expect(numbers(i.jobs[k].summary)).toEqual(numbers(l.jobs[k].summary));
    }
    // Two seeds at one working point: a real mean ± std, the same text from every executor.
    const table = readFileSync(join(L, "results.md"), "utf8");
    expect(table).toMatch(/\| 2\/2 \| \d+\.\d\d% ± \d+\.\d\d \|/);
    expect(readFileSync(join(Q, "results.md"), "utf8")).toBe(table);
    expect(readFileSync(join(I, "results.md"), "utf8")).toBe(table);
    // The run folders travelled whole: metrics and config came back through Redis too.
    for (const j of q.jobs) {
      expect(metricsOf(join(Q, "runs", j.hash))).toEqual(metricsOf(join(L, "runs", j.hash)));
      expect(JSON.parse(readFileSync(join(Q, "runs", j.hash, "config.json"), "utf8"))).toEqual(JSON.parse(readFileSync(join(L, "runs", j.hash, "config.json"), "utf8")));
    }
  }, 240_000);
});
