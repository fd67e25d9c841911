import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jobDir, runSweep } from "../../src/sweep/executor.ts";
import { canonicalJson, jobHash } from "../../src/sweep/spec.ts";

describe("sweep jobs", () => {
  it("hash ignores key order and changes with any value", () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    expect(jobHash({ kind: "train", args: { x: 1, y: 2 } })).toBe(jobHash({ kind: "train", args: { y: 2, x: 1 } }));
    expect(jobHash({ kind: "train", args: { x: 1 } })).not.toBe(jobHash({ kind: "train", args: { x: 2 } }));
  });

  it("runs jobs on two worker processes, dedups, and resumes without redoing finished jobs", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-sweep-"));
    const jobs = [0, 1, 2, 3].map((i) => ({ kind: "echo", args: { i, ms: 1500 } }));
    const first = await runSweep([...jobs, jobs[0]], { outDir: out, workers: 2 });
    expect(first.map((o) => o.status).sort()).toEqual(["done", "done", "done", "done"]);
    const done = jobs.map((j) => JSON.parse(readFileSync(join(jobDir(out, j), "summary.json"), "utf8")));
    expect(new Set(done.map((d) => d.pid)).size).toBe(4); // a fresh process per job
    // Two at a time: some pair of jobs overlapped in time.
    const overlap = done.some((a, i) => done.some((b, j) => i !== j && a.start < b.end && b.start < a.end));
    expect(overlap).toBe(true);
    const more = [...jobs, { kind: "echo", args: { i: 4, ms: 0 } }];
    const second = await runSweep(more, { outDir: out, workers: 2 });
    expect(second.filter((o) => o.status === "cached")).toHaveLength(4);
    expect(second.filter((o) => o.status === "done").map((o) => o.job.args.i)).toEqual([4]);
  });

  it("a failing job is recorded as failed and the sweep carries on", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-sweep-"));
    const res = await runSweep([{ kind: "no-such-kind", args: {} }, { kind: "echo", args: { i: 9 } }], { outDir: out, workers: 1 });
    expect(res.find((o) => o.job.kind === "no-such-kind")!.status).toBe("failed");
    expect(res.find((o) => o.job.kind === "echo")!.status).toBe("done");
  });
});
