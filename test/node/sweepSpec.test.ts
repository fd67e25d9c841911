/**
 * Sweep specs and the pieces every executor shares, without processes: spec validation (one
 * NinrError line naming the key), expansion (hash identity, the Cartesian product, the presets'
 * own job expansion), the plan read back or re-expanded, the results table against hand-computed
 * mean ± std, result messages read back as untrusted, and idempotent publishing of run folders.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NinrError } from "../../src/errors.ts";
import { jobIntact, makeJob } from "../../src/experiments/jobs.ts";
import { DETECTOR_PRESETS } from "../../src/experiments/detector.ts";
import { PHASES_PRESETS, phaseJobs } from "../../src/experiments/phases.ts";
import { indexRanges, taskIndex } from "../../src/node/executors/indexExecutor.ts";
import { checkRedisUrl } from "../../src/node/executors/queueConnection.ts";
import { checkPayload, packRunFolder, unpackRunFolder } from "../../src/node/executors/queuePayload.ts";
import { detectorPresetOf, expandSweep, trainGridJobs } from "../../src/node/sweep/expand.ts";
import { publishRun } from "../../src/node/sweep/isolated.ts";
import { etaSeconds, emptyState, addWorkerFinish, renderState } from "../../src/node/sweep/liveView.ts";
import { PLAN_FILE, planSweep, readPlan } from "../../src/node/sweep/plan.ts";
import { pointRows, resultsTable } from "../../src/node/sweep/results.ts";
import { checkSweepSpec, readSweepSpec, specHash } from "../../src/node/sweep/spec.ts";
import { compareSpecOf, detectorSpecOf, phasesSpecOf } from "../../src/node/sweep/verbSpecs.ts";

const grid = { experiment: "train-grid", base: { model: "mlp", lr: 0.05 }, grid: { sigma: [0.1, 1], seed: [0, 1, 2] } };

function specError(raw: unknown): string {
  try {
    checkSweepSpec(raw, "spec.json");
  } catch (e) {
    expect(e).toBeInstanceOf(NinrError);
    return (e as Error).message;
  }
  throw new Error("expected a NinrError");
}

describe("sweep spec", () => {
  it("rejects bad specs with one line naming the key, the value and what is allowed", () => {
    expect(specError([])).toMatch(/^spec\.json must be a JSON object with an "experiment" key/);
    expect(specError({ experiment: "grid" })).toMatch(/'experiment' is "grid"; allowed: train-grid\|phases\|compare\|detector\|echo/);
    expect(specError({ experiment: "phases", preset: "huge" })).toMatch(/'preset' is "huge"; allowed: quick\|smoke\|paper/);
    expect(specError({ experiment: "phases", sigma: [1] })).toMatch(/unknown key 'sigma' for experiment 'phases'/);
    expect(specError({ experiment: "phases", sigmas: [1, -2] })).toMatch(/'sigmas' is \[1,-2\]; it must be a non-empty list of numbers > 0/);
    expect(specError({ experiment: "compare", seeds: 1.5 })).toMatch(/'seeds' is 1.5; it must be a whole number from 1 to 1000/);
    expect(specError({ experiment: "compare", models: ["rnn"] })).toMatch(/'models' is \["rnn"\]/);
    expect(specError({ ...grid, grid: { sigmaa: [1] } })).toMatch(/grid key 'sigmaa' is not a config key/);
    expect(specError({ ...grid, grid: { sigma: [] } })).toMatch(/'grid.sigma' is \[\]; it must be a non-empty list/);
    expect(specError({ ...grid, base: { sigma: 1 }, grid: { sigma: [2] } })).toMatch(/'sigma' is both in base and in grid/);
    expect(specError({ ...grid, base: { lr: -1 } })).toMatch(/^spec\.json: base: config 'lr'/);
    expect(specError({ experiment: "echo", count: 0 })).toMatch(/'count' is 0/);
    expect(specError({ experiment: "phases", optimizer: "rmsprop" })).toMatch(/'optimizer' is "rmsprop"; allowed: sgd\|adam/);
    expect(specError({ experiment: "phases", momentum: 1 })).toMatch(/'momentum' is 1; it must be a number from 0 to 0.999/);
    expect(specError({ experiment: "phases", epochs: 0 })).toMatch(/.epochs. is 0/);
    expect(specError({ experiment: "phases", optimizer: "adam", momentum: 0.9 })).toMatch(/'momentum' is 0.9; it applies to sgd/);
    expect(specError({ experiment: "detector", preset: "huge" })).toMatch(/'preset' is "huge"; allowed: quick\|smoke\|paper/);
    expect(specError({ experiment: "detector", trainSize: -1 })).toMatch(/'trainSize' is -1; it must be a whole number from 0/);
    expect(specError({ experiment: "detector", width: 0 })).toMatch(/'width' is 0; it must be a whole number from 1 to 1024/);
    expect(specError({ experiment: "detector", sigmas: [1] })).toMatch(/unknown key 'sigmas' for experiment 'detector'/);
    for (const m of [specError({ experiment: "grid" }), specError({ ...grid, grid: { seed: "0,1" } })]) expect(m.includes("\n")).toBe(false);
  });

  it("a train grid expands to the Cartesian product; key order never changes a job's hash", async () => {
    const spec = checkSweepSpec(grid);
    const jobs = trainGridJobs(spec as Extract<typeof spec, { experiment: "train-grid" }>);
    expect(jobs).toHaveLength(6);
    expect(new Set(jobs.map((j) => j.hash)).size).toBe(6);
    expect(jobs.every(jobIntact)).toBe(true);
    // Keys in sorted order, the first varying slowest: seed, then sigma.
    expect(jobs.map((j) => [j.spec.config.sigma, j.spec.config.seed])).toEqual([[0.1, 0], [1, 0], [0.1, 1], [1, 1], [0.1, 2], [1, 2]]);
    const swapped = checkSweepSpec({ experiment: "train-grid", grid: { seed: [0, 1, 2], sigma: [0.1, 1] }, base: { lr: 0.05, model: "mlp" } });
    expect(specHash(swapped)).toBe(specHash(spec));
    expect((await expandSweep(swapped, { outDir: tmpdir() })).jobs.map((j) => j.hash)).toEqual(jobs.map((j) => j.hash));
    expect(jobs[0].hash).toBe(makeJob("train", { config: { model: "mlp", lr: 0.05, sigma: 0.1, seed: 0 } }).hash);
    // A value the schema rejects, found at expansion, names the run.
    await expect(expandSweep(checkSweepSpec({ experiment: "train-grid", grid: { lr: [0.1, -1] } }), { outDir: tmpdir() })).rejects.toThrow(/train-grid run \{"lr":-1\}: config 'lr'/);
  });

  it("a phases spec expands through the preset's own phaseJobs", async () => {
    const spec = checkSweepSpec({ experiment: "phases", preset: "smoke", sigmas: [1, 10], seeds: 2, allowSample: true });
    const { jobs } = await expandSweep(spec, { outDir: tmpdir(), data: { allowSample: true } });
    expect(jobs).toHaveLength(4);
    const { loadDataset } = await import("../../src/node/data/fashionFiles.ts");
    const { fitSize } = await import("../../src/train/prepare.ts");
    const ds = loadDataset({ allowSample: true });
    const ref = phaseJobs({ ...PHASES_PRESETS.smoke, seeds: [0, 1] }, ds, { fitSize: fitSize(ds), sigmas: [1, 10] });
    expect(jobs.map((j) => j.hash)).toEqual(ref.map((j) => j.hash));
  });

  it("a verb's flags become the spec that names its jobs, and read back from the file it has the same hash", async () => {
    const flags = { preset: "smoke", sigmas: [1, 10], seeds: 2, inits: ["pytorch", "pytorch"], optimizer: "sgd", momentum: 0.5, epochs: 2, allowSample: true, workers: 3, json: true };
    const spec = phasesSpecOf(flags);
    expect(spec).toEqual({ experiment: "phases", preset: "smoke", sigmas: [1, 10], seeds: 2, inits: ["pytorch"], optimizer: "sgd", momentum: 0.5, epochs: 2, allowSample: true });
    const file = join(mkdtempSync(join(tmpdir(), "ninr-vspec-")), "sweep-spec.json");
    writeFileSync(file, JSON.stringify(spec));
    expect(specHash(readSweepSpec(file))).toBe(specHash(spec));
    // The jobs are ninr phases' own: the preset with the flags applied, momentum in every config.
    const { jobs } = await expandSweep(spec, { outDir: tmpdir(), data: { allowSample: true } });
    const { loadDataset } = await import("../../src/node/data/fashionFiles.ts");
    const { fitSize } = await import("../../src/train/prepare.ts");
    const ds = loadDataset({ allowSample: true });
    const ref = phaseJobs({ ...PHASES_PRESETS.smoke, seeds: [0, 1], optimizer: "sgd", momentum: 0.5, epochs: 2 }, ds, { fitSize: fitSize(ds), sigmas: [1, 10] });
    expect(jobs.map((j) => j.hash)).toEqual(ref.map((j) => j.hash));
    expect(jobs.every((j) => j.kind === "phase" && j.spec.config.momentum === 0.5 && j.spec.config.epochs === 2)).toBe(true);
    expect(compareSpecOf({ preset: "quick", epochs: 2, workers: 1 })).toEqual({ experiment: "compare", preset: "quick", epochs: 2 });
    expect(detectorSpecOf({ preset: "smoke", trainSize: 0, width: 8 })).toEqual({ experiment: "detector", preset: "smoke", trainSize: 0, width: 8 });
    expect(detectorPresetOf(detectorSpecOf({ preset: "smoke", seeds: 2, trainSize: 0 }))).toEqual({ ...DETECTOR_PRESETS.smoke, seeds: [0, 1], trainSize: 0 });
  });

  it("the plan is written once, read back, and re-expanded when damaged or foreign", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-plan-"));
    const spec = checkSweepSpec({ experiment: "echo", count: 3, ms: 5 });
    const p1 = await planSweep(spec, out);
    expect(readPlan(out, spec)!.jobs.map((j) => j.hash)).toEqual(p1.jobs.map((j) => j.hash));
    expect(readPlan(out, checkSweepSpec({ experiment: "echo", count: 4, ms: 5 }))).toBeNull(); // another spec
    const text = readFileSync(join(out, PLAN_FILE), "utf8");
    writeFileSync(join(out, PLAN_FILE), text.replaceAll('"ms": 5', '"ms": 6')); // a job whose hash no longer matches
    expect(readPlan(out, spec)).toBeNull();
    writeFileSync(join(out, PLAN_FILE), "{");
    expect((await planSweep(spec, out)).jobs.map((j) => j.hash)).toEqual(p1.jobs.map((j) => j.hash));
  });
});

describe("results table and live view", () => {
  it("mean ± sample std per working point, over the seeds that finished", () => {
    const spec = checkSweepSpec({ experiment: "train-grid", grid: { sigma: [0.1, 1], seed: [0, 1, 2] } });
    const jobs = trainGridJobs(spec as Extract<typeof spec, { experiment: "train-grid" }>);
    // sigma 0.1: seeds 0, 1, 2 at 0.5, 0.6, 0.7; sigma 1: seeds 0, 1 at 0.8, 0.9, seed 2 unfinished.
    const acc: Record<string, number> = { "0.1/0": 0.5, "0.1/1": 0.6, "0.1/2": 0.7, "1/0": 0.8, "1/1": 0.9 };
    const key = (j: (typeof jobs)[number]) => `${j.spec.config.sigma}/${j.spec.config.seed}`;
    const sums = new Map(jobs.filter((j) => key(j) in acc).map((j) => [j.hash, { clean_test_acc: acc[key(j)] }]));
    const rows = pointRows(jobs, sums);
    expect(rows.map((r) => [r.point, r.done, r.of])).toEqual([["sigma=0.1", 3, 3], ["sigma=1", 2, 3]]);
    expect(rows[0].acc!.mean).toBeCloseTo(0.6, 12);
    expect(rows[0].acc!.std).toBeCloseTo(0.1, 12); // sqrt(((-.1)^2 + 0 + .1^2) / 2)
    expect(rows[1].acc!.mean).toBeCloseTo(0.85, 12);
    expect(rows[1].acc!.std).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(resultsTable(rows)).toBe("| working point | runs | clean test acc (mean ± std) |\n|---|---|---|\n| sigma=0.1 | 3/3 | 60.00% ± 10.00 |\n| sigma=1 | 2/3 | 85.00% ± 7.07 |\n");
  });

  it("per-worker throughput and the ETA follow from finish times", () => {
    const s = emptyState(10);
    s.counts = { queued: 4, running: 2, done: 4, failed: 0 };
    const t0 = 1_000_000;
    // Worker a: 3 jobs of 20 s back to back (one a minute... 3 per minute); worker b: 1 job of 60 s.
    for (let i = 1; i <= 3; i++) addWorkerFinish(s, "a", 20, t0 + i * 20_000);
    addWorkerFinish(s, "b", 60, t0 + 60_000);
    expect(etaSeconds(s)).toBeCloseTo((6 / 4) * 60, 6); // 6 left at 3 + 1 jobs/min
    const lines = renderState("sweep x", s, []);
    expect(lines[0]).toBe("sweep x: 10 jobs  queued 4  running 2  done 4  failed 0  eta 1m30s");
    expect(lines[1]).toBe("  worker a: 3 done, 3.00 jobs/min, 20.0 s/job");
  });
});

describe("results in transit and on disk", () => {
  it("payloads are checked: wrong job, path-like names, missing summary", () => {
    const good = { hash: "abc", worker: "h:1", seconds: 1, summary: { x: 1 }, files: { "config.json": { text: "{}" } } };
    expect(checkPayload(JSON.stringify(good), "abc").summary).toEqual({ x: 1 });
    expect(() => checkPayload(good, "abd")).toThrow(/names job abc/);
    expect(() => checkPayload({ ...good, files: { "../evil.json": { text: "" } } }, "abc")).toThrow(/plain names only/);
    expect(() => checkPayload({ ...good, files: { ".hidden": { text: "" } } }, "abc")).toThrow(/plain names only/);
    expect(() => checkPayload({ ...good, summary: [] }, "abc")).toThrow(/no summary object/);
    expect(() => checkPayload("not json", "abc")).toThrow(/not a JSON object/);
    expect(() => checkPayload({ ...good, files: undefined }, "abc")).toThrow(/carries no files/);
  });

  it("a run folder packs and unpacks byte for byte (params only when asked)", () => {
    const src = mkdtempSync(join(tmpdir(), "ninr-pack-"));
    writeFileSync(join(src, "config.json"), '{"a": 1}\n');
    writeFileSync(join(src, "metrics.jsonl"), '{"kind":"epoch"}\n');
    const bin = Buffer.from([0, 255, 1, 128, 7]);
    writeFileSync(join(src, "params.safetensors"), bin);
    writeFileSync(join(src, "summary.json"), '{"clean_test_acc": 0.5}\n');
    expect(Object.keys(packRunFolder(src, false)).sort()).toEqual(["config.json", "metrics.jsonl", "summary.json"]);
    const files = packRunFolder(src, true);
    const dest = mkdtempSync(join(tmpdir(), "ninr-unpack-"));
    unpackRunFolder(checkPayload({ hash: "h", worker: "w", seconds: 0, summary: { clean_test_acc: 0.5 }, files }, "h"), dest);
    expect(readFileSync(join(dest, "params.safetensors")).equals(bin)).toBe(true);
    expect(readFileSync(join(dest, "metrics.jsonl"), "utf8")).toBe('{"kind":"epoch"}\n');
    expect(JSON.parse(readFileSync(join(dest, "summary.json"), "utf8"))).toEqual({ clean_test_acc: 0.5 });
  });

  it("publishing is idempotent: a job finished twice keeps its first run", () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-pub-"));
    const mk = (v: number) => {
      const d = mkdtempSync(join(tmpdir(), "ninr-run-"));
      writeFileSync(join(d, "summary.json"), JSON.stringify({ v }));
      return d;
    };
    expect(publishRun(mk(1), out, "h1")).toBe(true);
    const second = mk(2);
    expect(publishRun(second, out, "h1")).toBe(false);
    expect(existsSync(second)).toBe(false);
    expect(JSON.parse(readFileSync(join(out, "runs", "h1", "summary.json"), "utf8"))).toEqual({ v: 1 });
    // An unfinished folder (no summary) is replaced.
    mkdirSync(join(out, "runs", "h2"), { recursive: true });
    writeFileSync(join(out, "runs", "h2", "config.json"), "{}");
    expect(publishRun(mk(3), out, "h2")).toBe(true);
    expect(JSON.parse(readFileSync(join(out, "runs", "h2", "summary.json"), "utf8"))).toEqual({ v: 3 });
  });

  it("task indices come from the flag or the scheduler's environment; ranges print compactly; Redis URLs are checked", () => {
    expect(taskIndex("3", {})).toBe(3);
    expect(taskIndex(undefined, { JOB_COMPLETION_INDEX: "7" })).toBe(7);
    expect(taskIndex(undefined, { SLURM_ARRAY_TASK_ID: "2" })).toBe(2);
    expect(taskIndex(undefined, { AWS_BATCH_JOB_ARRAY_INDEX: "0" })).toBe(0);
    expect(() => taskIndex(undefined, {})).toThrow(/no task index: give --index I or set one of JOB_COMPLETION_INDEX/);
    expect(() => taskIndex("-1", {})).toThrow(/--index must be a whole number >= 0, got '-1'/);
    expect(() => taskIndex(undefined, { SLURM_ARRAY_TASK_ID: "x" })).toThrow(/SLURM_ARRAY_TASK_ID must be a whole number/);
    expect(indexRanges([0, 1, 2, 5, 7, 8])).toBe("0-2,5,7-8");
    expect(checkRedisUrl("redis://h:6379/2")).toBe("redis://h:6379/2");
    expect(() => checkRedisUrl("localhost:6379")).toThrow(/--redis must start with redis:\/\/ or rediss:\/\//);
    expect(() => checkRedisUrl("redis://h:6379/x")).toThrow(/database number/);
    expect(() => checkRedisUrl("nonsense")).toThrow(/--redis must be a URL/);
  });
});
