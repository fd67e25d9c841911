/**
 * `ninr phases|compare|detector --executor local|queue|index` with real processes and a real
 * Redis: bad combinations exit 2 with one line before anything is written; the index mode's
 * plan names exactly the jobs the verb runs (a local rerun after the array tasks finds every
 * run finished); the queue mode runs the verb's jobs on `ninr worker` processes and the verb's
 * own report (and, for the detector, its evaluation of the returned parameters) follows.
 * Smoke presets on the bundled sample: seconds of training each.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { planKey } from "../../src/node/executors/queueKeys.ts";
import { readSweepSpec, specHash } from "../../src/node/sweep/spec.ts";
import { SAMPLE } from "../helpers/cli.ts";
import { freePort, ninr, skipReason, uniqueQueue, useTestRedis, waitFor } from "./queueHarness.ts";

const skip = skipReason();
if (skip) console.warn(skip);

const PHASES = ["phases", "--preset", "smoke", "--data", SAMPLE, "--sigmas", "1,3000", "--lrs", "0.05"];
const planHashes = (dir: string): string[] => JSON.parse(readFileSync(join(dir, "sweep-plan.json"), "utf8")).jobs.map((j: { hash: string }) => j.hash);
const tmp = () => mkdtempSync(join(tmpdir(), "ninr-verbx-"));

describe("the experiment verbs' --executor flags", () => {
  it("bad combinations exit 2 with one line, before anything is written", async () => {
    const down = `redis://127.0.0.1:${await freePort()}`;
    const root = tmp();
    const cases: [string[], RegExp][] = [];
    for (const verb of ["phases", "compare", "detector"]) {
      const out = join(root, verb);
      cases.push(
        [[verb, "--preset", "smoke", "--out", out, "--redis", down], /--redis goes with --executor queue, not local/],
        [[verb, "--preset", "smoke", "--out", out, "--executor", "index", "--store", root], /--store goes with --executor queue, not index/],
        [[verb, "--preset", "smoke", "--out", out, "--executor", "queue"], /--executor queue needs --redis URL/],
        [[verb, "--preset", "smoke", "--out", out, "--executor", "queue", "--redis", down], /cannot reach Redis \(ECONNREFUSED\)/],
        [[verb, "--preset", "smoke", "--out", out, "--executor", "queue", "--redis", "http://localhost:6379"], /--redis must start with redis:\/\//],
        [[verb, "--preset", "smoke", "--out", out, "--executor", "cluster"], /--executor/],
      );
    }
    const procs = cases.map(([args]) => ninr(args));
    for (const [i, p] of procs.entries()) {
      expect(await p.exit, cases[i][0].join(" ")).toBe(2);
      const lines = p.err().trimEnd().split("\n");
      expect(lines, p.err()).toHaveLength(1);
      expect(lines[0]).toMatch(cases[i][1]);
    }
    expect(readdirSync(root)).toEqual([]);
  }, 120_000);
});

describe.skipIf(skip !== null)("the experiment verbs on the queue and index executors", () => {
  const redis = useTestRedis();

  it("phases: the index plan is the verb's jobs (a local rerun finds them all finished); the queue runs them on a worker and writes the report", async () => {
    const I = join(tmp(), "index");
    const plan = ninr([...PHASES, "--executor", "index", "--out", I]);
    expect(await plan.exit, plan.err()).toBe(0);
    expect(plan.out()).toMatch(/ninr run-index --spec .*sweep-spec\.json --out .* --data /);
    expect(plan.out()).toMatch(/rerun this 'ninr phases' command without --executor index/);
    expect(existsSync(join(I, "runs"))).toBe(false); // nothing ran
    const jobs = planHashes(I);
    expect(jobs).toHaveLength(2);
    for (const i of [0, 1]) {
      const t = ninr(["run-index", "--spec", join(I, "sweep-spec.json"), "--out", I, "--data", SAMPLE, "--index", String(i)]);
      expect(await t.exit, t.err()).toBe(0);
    }
    const rerun = ninr([...PHASES, "--out", I]);
    expect(await rerun.exit, rerun.err()).toBe(0);
    expect(rerun.err().match(/^\[\d\/2\] .* cached: /gm) ?? [], rerun.err()).toHaveLength(2);
    expect(rerun.out()).toMatch(/^phases: 2 points/);

    const queue = uniqueQueue();
    const Q = join(tmp(), "queue");
    ninr(["worker", "--redis", redis.url, "--queue", queue, "--data", SAMPLE]);
    const coord = ninr([...PHASES, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--poll-ms", "200", "--out", Q, "--json"]);
    expect(await coord.exit, coord.err()).toBe(0);
    expect(JSON.parse(coord.out()).points).toBe(2);
    for (const f of ["phases.json", "report.html", "phases-config.json"]) expect(existsSync(join(Q, f)), f).toBe(true);
    expect(readdirSync(join(Q, "runs")).sort()).toEqual([...jobs].sort());
    // The same points as the local rerun's (training is deterministic), timings aside.
    const points = (d: string) => JSON.parse(readFileSync(join(d, "phases.json"), "utf8")).points.map((p: Record<string, unknown>) => [p.sigma, p.k, p.observed_phase, p.clean_test_acc]);
    expect(points(Q)).toEqual(points(I));
    const sweep = JSON.parse(readFileSync(join(Q, "sweep.json"), "utf8"));
    expect(sweep.executor).toBe("queue");
    expect(sweep.jobs.map((j: { status: string }) => j.status)).toEqual(["done", "done"]);
    // Its spec file finds it from anywhere, and is the index mode's spec.
    expect(specHash(readSweepSpec(join(Q, "sweep-spec.json")))).toBe(specHash(readSweepSpec(join(I, "sweep-spec.json"))));
    const st = ninr(["sweep", "status", "--redis", redis.url, "--queue", queue, join(Q, "sweep-spec.json"), "--json"]);
    expect(await st.exit, st.err()).toBe(0);
    expect(JSON.parse(st.out())).toMatchObject({ jobs: 2, done: 2 });
  }, 300_000);

  it("compare: the jobs the queue coordinator enqueues are the index plan's", async () => {
    const I = join(tmp(), "index");
    const plan = ninr(["compare", "--preset", "smoke", "--data", SAMPLE, "--executor", "index", "--out", I]);
    expect(await plan.exit, plan.err()).toBe(0);
    const jobs = planHashes(I);
    expect(jobs.length).toBeGreaterThan(5);
    // The sigmas measured for the plan serve the queued run too (the same cache, not measured again).
    const Q = join(tmp(), "queue");
    mkdirSync(Q);
    cpSync(join(I, "sigmas.json"), join(Q, "sigmas.json"));
    const queue = uniqueQueue();
    const coord = ninr(["compare", "--preset", "smoke", "--data", SAMPLE, "--executor", "queue", "--redis", redis.url, "--queue", queue, "--poll-ms", "200", "--out", Q]);
    const hash = specHash(readSweepSpec(join(I, "sweep-spec.json")));
    const conn = new Redis(redis.url);
    try {
      await waitFor("the coordinator's plan in Redis", async () => (await conn.exists(planKey(queue, hash))) === 1, 120_000);
      const queued = (JSON.parse((await conn.get(planKey(queue, hash)))!).jobs as { hash: string }[]).map((j) => j.hash);
      expect(queued).toEqual(jobs);
    } finally {
      conn.disconnect();
    }
    expect(coord.err()).not.toMatch(/choosing NINR sigmas/);
    coord.proc.kill("SIGKILL");
  }, 300_000);

  it("detector: trains on a queue worker, evaluates the returned parameters here; its jobs are the index plan's", async () => {
    const I = join(tmp(), "index");
    const plan = ninr(["detector", "--preset", "smoke", "--executor", "index", "--out", I]);
    expect(await plan.exit, plan.err()).toBe(0);
    const Q = join(tmp(), "queue");
    mkdirSync(Q);
    cpSync(join(I, "sigmas.json"), join(Q, "sigmas.json"));
    const queue = uniqueQueue();
    ninr(["worker", "--redis", redis.url, "--queue", queue, "--concurrency", "2"]);
    const coord = ninr(["detector", "--preset", "smoke", "--executor", "queue", "--redis", redis.url, "--queue", queue, "--poll-ms", "200", "--out", Q]);
    expect(await coord.exit, coord.err()).toBe(0);
    expect(readdirSync(join(Q, "runs")).sort()).toEqual(planHashes(I).sort());
    for (const h of planHashes(I)) expect(existsSync(join(Q, "runs", h, "params.safetensors")), h).toBe(true);
    expect(readdirSync(join(Q, "eval")).sort()).toEqual(planHashes(I).map((h) => `${h}.json`).sort());
    const det = JSON.parse(readFileSync(join(Q, "detector.json"), "utf8")) as { rows: { method: string; domain: string; auc_mean: number }[] };
    const vanilla = det.rows.find((r) => r.method === "vanilla" && r.domain === "nominal")!;
    expect(vanilla.auc_mean).toBeGreaterThan(0.5); // evaluated from the parameters that came back through Redis
    expect(existsSync(join(Q, "report.html"))).toBe(true);
  }, 300_000);
});
