/**
 * The index executor as a batch scheduler drives it: `ninr run-index` once per index (from
 * --index, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID), some missing or failing, then
 * `ninr collect`, which names the missing and failed indices and merges runs from copied folders.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ninr, stopAll } from "./queueHarness.ts";

afterAll(() => stopAll());

function specFile(spec: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), "ninr-ispec-")), "spec.json");
  writeFileSync(f, JSON.stringify(spec));
  return f;
}

describe("index executor", () => {
  it("runs indices separately; collect reports missing ones, merges copied folders, and is complete after a rerun", async () => {
    const spec = specFile({ experiment: "echo", count: 3, ms: 10 });
    const out = mkdtempSync(join(tmpdir(), "ninr-idx-"));
    const node = mkdtempSync(join(tmpdir(), "ninr-idx-node-")); // a node without the shared disk
    const a = ninr(["run-index", "--spec", spec, "--out", out, "--index", "0"]);
    const b = ninr(["run-index", "--spec", spec, "--out", node], { SLURM_ARRAY_TASK_ID: "2" });
    expect([await a.exit, await b.exit], a.err() + b.err()).toEqual([0, 0]);
    expect(a.out()).toMatch(/^job 0 \(\w+\): done in/);
    const c1 = ninr(["collect", "--spec", spec, "--out", out]);
    expect(await c1.exit).toBe(2);
    expect(c1.err().trim()).toMatch(/^ninr: 2 of 3 jobs missing \(indices 1-2\), 0 failed; rerun those indices \(Slurm: --array=1-2\)/);
    const partial = JSON.parse(readFileSync(join(out, "sweep.json"), "utf8"));
    expect(partial.jobs.map((j: { status: string }) => j.status)).toEqual(["done"]);
    // Merge index 2 from the node's folder, run index 1 here; a rescheduled index 0 is not redone.
    const again = ninr(["run-index", "--spec", spec, "--out", out, "--index", "0"]);
    expect(await again.exit).toBe(0);
    expect(again.out()).toMatch(/already done/);
    const i1 = ninr(["run-index", "--spec", spec, "--out", out], { JOB_COMPLETION_INDEX: "1" });
    expect(await i1.exit, i1.err()).toBe(0);
    const c2 = ninr(["collect", "--spec", spec, "--out", out, "--from", node, "--json"]);
    expect(await c2.exit, c2.err()).toBe(0);
    const rec = JSON.parse(c2.out());
    expect(rec.missing).toEqual([]);
    expect(rec.jobs).toHaveLength(3);
    const plan = JSON.parse(readFileSync(join(out, "sweep-plan.json"), "utf8"));
    expect(rec.jobs.map((j: { hash: string }) => j.hash)).toEqual(plan.jobs.map((j: { hash: string }) => j.hash));
    expect(readdirSync(join(out, "runs")).sort()).toEqual([...plan.jobs.map((j: { hash: string }) => j.hash)].sort());
    // The merged run is the node's, byte for byte.
    const h2 = plan.jobs[2].hash;
    expect(readFileSync(join(out, "runs", h2, "summary.json"), "utf8")).toBe(readFileSync(join(node, "runs", h2, "summary.json"), "utf8"));
  }, 120_000);

  it("bad indices exit 2 with one line; a failing job leaves a note that collect reports", async () => {
    const spec = specFile({ experiment: "echo", count: 2 });
    const out = mkdtempSync(join(tmpdir(), "ninr-idx-"));
    for (const [args, env, msg] of [
      [["--index", "2"], {}, /^ninr: --index 2 is out of range: the sweep has 2 jobs \(indices 0\.\.1\)$/],
      [[], { JOB_COMPLETION_INDEX: "one" }, /^ninr: JOB_COMPLETION_INDEX must be a whole number >= 0, got 'one'$/],
    ] as const) {
      const p = ninr(["run-index", "--spec", spec, "--out", out, ...args], { JOB_COMPLETION_INDEX: "", SLURM_ARRAY_TASK_ID: "", AWS_BATCH_JOB_ARRAY_INDEX: "", ...env });
      expect(await p.exit).toBe(2);
      expect(p.err().trim()).toMatch(msg);
    }
    // A job that fails where it runs: more training images than the data has.
    const bad = specFile({ experiment: "train-grid", allowSample: true, base: { widths: [784, 8, 10], epochs: 1 }, grid: { trainSize: [10_000_000] }, curvature: false, saveParams: false });
    const bout = mkdtempSync(join(tmpdir(), "ninr-idx-"));
    const f = ninr(["run-index", "--spec", bad, "--out", bout, "--index", "0"]);
    expect(await f.exit).toBe(2);
    expect(f.err().trim()).toMatch(/^ninr: job 0 \(\w+\) failed: .*train-size/);
    expect(readdirSync(join(bout, "failed"))).toHaveLength(1);
    expect(existsSync(join(bout, "runs")) ? readdirSync(join(bout, "runs")) : []).toEqual([]); // nothing half-published
    const c = ninr(["collect", "--spec", bad, "--out", bout]);
    expect(await c.exit).toBe(2);
    expect(c.err().trim()).toMatch(/0 of 1 jobs missing, 1 failed \(indices 0\)/);
    const rec = JSON.parse(readFileSync(join(bout, "sweep.json"), "utf8"));
    expect(rec.jobs[0]).toMatchObject({ status: "failed" });
    expect(rec.jobs[0].error).toMatch(/train-size/);
  }, 120_000);
});
