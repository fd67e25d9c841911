/** `ninr demo`, the main job, end to end on the bundled sample (given as the data folder). */
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAMPLE, ninr } from "../../helpers/cli.ts";

describe("ninr demo", () => {
  it("chooses sigma from curvature, trains both models and tables clean, unclipped and clipped accuracy", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-demo-"));
    const r = await ninr("demo", "--data", SAMPLE, "--epochs", "1", "--out", out, "--quiet");
    expect(r.status, r.stderr).toBe(0);
    const demo = JSON.parse(readFileSync(join(out, "demo.json"), "utf8"));
    expect(demo.test_noise).toEqual([0, 0.1, 0.2, 0.3, 0.5, 0.75, 1]);
    const names = Object.keys(demo.runs);
    expect(names[0]).toBe("vanilla");
    expect(names[1]).toMatch(/^in-NINR \(sigma=[0-9.]+\)$/);
    // The in-NINR sigma was chosen for k ~ 1 (decay), within the search tolerance.
    expect(demo.runs[names[1]].k_init).toBeGreaterThan(0.5);
    expect(demo.runs[names[1]].k_init).toBeLessThan(1.5);
    for (const row of demo.accuracy) {
      for (const n of names) for (const key of [n, `${n} clipped`]) expect(row[key]).toBeGreaterThanOrEqual(0), expect(row[key]).toBeLessThanOrEqual(1);
      // No noise: clipping changes nothing.
      if (row.test_noise === 0) for (const n of names) expect(row[`${n} clipped`]).toBe(row[n]);
    }
    // Heavy test noise hurts: accuracy at s = 1 is below the clean accuracy for both models.
    for (const n of names) expect(demo.accuracy.at(-1)[n]).toBeLessThan(demo.accuracy[0][n]);
    for (const f of ["vanilla/summary.json", "in-ninr/summary.json", "in-ninr/params.safetensors", "demo.md"]) expect(existsSync(join(out, f)), f).toBe(true);
    // One k0: the printed one is the run's own, as in its summary.json.
    expect(r.stdout).toContain(`in-NINR: k0 = eta * lambda_noise ${demo.runs[names[1]].k_init.toFixed(2)} at the start`);
  });
});
