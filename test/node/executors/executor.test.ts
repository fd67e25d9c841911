import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "../../../src/node/executors/local.ts";
import { type Job, type JobOutcome, canonicalJson, jobIntact, makeJob } from "../../../src/experiments/jobs.ts";
import { contentHash } from "../../../src/hash.ts";

/** The tag of an echo job (what the old jobs' `args.i` was). */
const tagOf = (o: JobOutcome) => (o.job.kind === "echo" ? o.job.spec.tag : undefined);
const echo = (i: number, ms: number) => makeJob("echo", { ms, tag: String(i) });
const summaryOf = (ex: LocalExecutor, j: Job) => JSON.parse(readFileSync(join(ex.dirOf(j), "summary.json"), "utf8"));

describe("sweep jobs", () => {
  it("hash ignores key order and changes with any value", () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(makeJob("train", { config: { sigma: 1, lr: 2 } }).hash).toBe(makeJob("train", { config: { lr: 2, sigma: 1 } }).hash);
    expect(makeJob("train", { config: { sigma: 1 } }).hash).not.toBe(makeJob("train", { config: { sigma: 2 } }).hash);
    expect(makeJob("echo", { ms: 1, tag: "a" }).hash).toBe(contentHash({ kind: "echo", spec: { tag: "a", ms: 1 } }));
    const j = makeJob("echo", { ms: 1 });
    expect(jobIntact(j)).toBe(true);
    expect(jobIntact({ ...j, spec: { ms: 2 } })).toBe(false);
  });

  it("runs jobs on two worker processes, dedups, and resumes without redoing finished jobs", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-sweep-"));
    const ex = new LocalExecutor({ outDir: out, workers: 2 });
    const jobs = [0, 1, 2, 3].map((i) => echo(i, 1500));
    const first = await ex.run([...jobs, jobs[0]]);
    expect(first.map((o) => o.status).sort()).toEqual(["done", "done", "done", "done"]);
    const done = jobs.map((j) => summaryOf(ex, j));
    // Outcomes carry the summary the run folder holds.
    for (const j of jobs) expect(first.find((o) => o.job.hash === j.hash)!.summary).toEqual(summaryOf(ex, j));
    expect(done.map((d) => d.spec)).toEqual(jobs.map((j) => j.spec));
    expect(new Set(done.map((d) => d.pid)).size).toBe(4); // a fresh process per job
    // Two at a time: some pair of jobs overlapped in time.
    const overlap = done.some((a, i) => done.some((b, j) => i !== j && a.start < b.end && b.start < a.end));
    expect(overlap).toBe(true);
    const more = [...jobs, echo(4, 0)];
    const second = await ex.run(more);
    expect(second.filter((o) => o.status === "cached")).toHaveLength(4);
    expect(second.filter((o) => o.status === "done").map(tagOf)).toEqual(["4"]);
  });

  it("runs follow-up jobs right after the job they follow, for cached jobs too, and each once", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-sweep-"));
    const ex = new LocalExecutor({ outDir: out, workers: 2 });
    // Job i's follow-up is tagged "f<i>"; follow-ups have none of their own.
    const followUp = (o: JobOutcome) => (tagOf(o)?.startsWith("f") ? [] : [makeJob("echo", { ms: 50, tag: `f${tagOf(o)}` })]);
    await ex.run([echo(0, 300)]); // cached below, its follow-up not
    const jobs = [0, 1, 2, 3].map((i) => echo(i, 300));
    const order: string[] = [];
    const res = await ex.run([...jobs, jobs[1]], { followUp, onJobDone: (o) => order.push(`${tagOf(o)}:${o.status}`) });
    expect(res).toHaveLength(8);
    expect(new Set(res.map((o) => o.job.hash)).size).toBe(8);
    expect(order[0]).toBe("0:cached");
    const started = (tag: string) => summaryOf(ex, res.find((o) => tagOf(o) === tag)!.job).start;
    const ended = (tag: string) => summaryOf(ex, res.find((o) => tagOf(o) === tag)!.job).end;
    // A follow-up starts after its job ends, and before jobs queued behind it (the queue's last job here).
    for (const i of [1, 2, 3]) expect(started(`f${i}`)).toBeGreaterThanOrEqual(ended(String(i)));
    expect(started("f0")).toBeLessThanOrEqual(started("3"));
    expect(started("f1")).toBeLessThanOrEqual(started("3"));
    // Resumed: everything cached, follow-ups included, nothing run again.
    const again = await ex.run(jobs, { followUp });
    expect(again.map((o) => o.status)).toEqual(Array(8).fill("cached"));
  });

  it("a run folder whose summary.json is empty or corrupt is not done: the job runs again", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-sweep-"));
    const ex = new LocalExecutor({ outDir: out, workers: 1 });
    const jobs = [echo(0, 0), echo(1, 0), echo(2, 0)];
    for (const [j, text] of [[jobs[0], ""], [jobs[1], '{"spec": {"ms": 0'], [jobs[2], "[]"]] as const) {
      mkdirSync(ex.dirOf(j), { recursive: true });
      writeFileSync(join(ex.dirOf(j), "summary.json"), text);
    }
    const res = await ex.run(jobs);
    expect(res.map((o) => o.status)).toEqual(["done", "done", "done"]);
    for (const j of jobs) {
      const s = summaryOf(ex, j);
      expect(s.spec).toEqual(j.spec);
      expect(typeof s.pid).toBe("number");
    }
    // ... and now they are done.
    expect((await ex.run(jobs)).map((o) => o.status)).toEqual(["cached", "cached", "cached"]);
  });

  it("a failing job is recorded as failed and the sweep carries on", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-sweep-"));
    // A kind no runner knows (its hash intact, so it gets past the worker's integrity check).
    const bad = { kind: "no-such-kind", spec: {}, hash: contentHash({ kind: "no-such-kind", spec: {} }) } as unknown as Job;
    const res = await new LocalExecutor({ outDir: out, workers: 1 }).run([bad, makeJob("echo", { ms: 0, tag: "9" })]);
    expect(res.find((o) => (o.job.kind as string) === "no-such-kind")!.status).toBe("failed");
    expect(res.find((o) => o.job.kind === "echo")!.status).toBe("done");
    // A job whose content no longer matches its hash is refused by the worker.
    const tampered = { ...makeJob("echo", { ms: 0, tag: "t" }), spec: { ms: 1, tag: "t" } };
    const [t] = await new LocalExecutor({ outDir: out, workers: 1 }).run([tampered]);
    expect(t.status).toBe("failed");
    expect(t.error).toMatch(/its hash does not match its content/);
  });
});
