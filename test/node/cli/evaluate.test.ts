/** `ninr evaluate` on a tiny run trained on the bundled sample. */
import { describe, expect, it } from "vitest";
import { SAMPLE, ninr } from "../../helpers/cli.ts";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";


describe("ninr evaluate", () => {
  it("writes robustness.json/csv with every condition and the summaries", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ninr-eval-"));
    const run = join(dir, "run");
    const base = join(dir, "base");
    for (const [out, nin] of [[run, "input"], [base, "none"]]) {
      const r = await ninr("train", "--widths", "784,32,10", "--nin", nin, "--sigma", "5", "--lr", "0.1", "--epochs", "3", "--batch", "50", "--data", SAMPLE, "--out", out, "--quiet", "--no-curvature");
      expect(r.status, r.stderr).toBe(0);
    }
    const r = await ninr("evaluate", "--run", run, "--baseline", base, "--data", SAMPLE, "--quiet");
    expect(r.status, r.stderr).toBe(0);
    const rob = JSON.parse(readFileSync(join(run, "robustness.json"), "utf8"));
    // clean + 2 Gaussian modes x 9 levels + 9 corruptions x 5 severities
    expect(rob.conditions).toHaveLength(1 + 18 + 45);
    expect(Object.keys(rob.summary.per_corruption)).toHaveLength(9);
    expect(rob.summary.gaussian_clipped["0"]).toBe(rob.summary.clean_acc);
    expect(rob.summary.clean_acc).toBeGreaterThan(0.4);
    // Heavy noise hurts: s = 2 is far below clean.
    expect(rob.summary.gaussian_clipped["2"]).toBeLessThan(rob.summary.clean_acc - 0.1);
    expect(rob.summary.relative_corruption_error).toBeGreaterThan(0);
    const csv = readFileSync(join(run, "robustness.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(1 + 64);
    const bad = await ninr("evaluate", "--run", join(dir, "nope"));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/not a run folder/);
  });
});
