/**
 * End-to-end smoke runs of the sweep verbs on the bundled sample (tiny "smoke" presets):
 * every promised file appears, and a second invocation resumes without redoing any run.
 * One sweep worker: vitest already runs two test files at once on the 2-core machines.
 */
import { describe, expect, it } from "vitest";
import { SAMPLE, ninr } from "../../helpers/cli.ts";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const mtimes = (dir: string) => readdirSync(join(dir, "runs")).map((d) => statSync(join(dir, "runs", d, "summary.json")).mtimeMs);

describe("ninr phases (smoke preset)", () => {
  it("writes phases.json/csv, plots and report.html, and resumes", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-phases-"));
    // lr 0.05: at the preset's 0.01, ten steps leave sigma 1 near chance on some training
    // subsets (train accuracy <= 0.15 is classified divergent), so the phase would be luck.
    const args = ["--preset", "smoke", "--data", SAMPLE, "--sigmas", "1,3000", "--lrs", "0.05", "--out", out];
    const r = await ninr("phases", ...args, "--json", "--workers", "1");
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.points).toBe(2);
    const phases = JSON.parse(readFileSync(join(out, "phases.json"), "utf8"));
    for (const p of phases.points) {
      for (const key of ["sigma", "k", "predicted_phase", "observed_phase", "niw_decay_time", "train_loss_decay_time", "test_loss_decay_time", "clean_test_acc"]) expect(p).toHaveProperty(key);
    }
    // sigma 1 barely couples; sigma 3000 is far past the ceiling.
    expect(phases.points[0].observed_phase).toBe("decoupled");
    expect(phases.points[1].observed_phase).toBe("divergent");
    for (const f of ["phases.csv", "report.html", "phase_diagram_mlp.svg", "phase_diagram_mlp.png", "predicted_vs_observed.png", "k_vs_sigma_mlp.png"]) expect(existsSync(join(out, f)), f).toBe(true);
    const before = mtimes(out);
    const again = await ninr("phases", ...args);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/\[2\/2\].*cached/);
    expect(mtimes(out)).toEqual(before);
  });
});

describe("ninr compare (smoke preset) and ninr report", () => {
  it("writes compare.json/md/csv, plots and report.html; report rebuilds them", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-compare-"));
    const r = await ninr("compare", "--preset", "smoke", "--data", SAMPLE, "--out", out, "--workers", "1");
    expect(r.status, r.stderr).toBe(0);
    const cmp = JSON.parse(readFileSync(join(out, "compare.json"), "utf8"));
    const methods = cmp.rows.map((row: { method: string }) => row.method);
    expect(methods).toEqual(["vanilla", "L2 0.0001", "Dropout 0.2", "CDT (decay level)", "CDT (catapult level)", "in-NINR decay", "in-NINR catapult", "full-NINR decay", "full-NINR catapult"]);
    for (const row of cmp.rows) {
      for (const key of ["method", "model", "clean_acc_mean", "clean_acc_std", "seeds", "gaussian_acc", "corruption_mean_acc"]) expect(row).toHaveProperty(key);
      expect(Object.keys(row.gaussian_acc)).toContain("0.3");
    }
    expect(readFileSync(join(out, "compare.md"), "utf8")).toMatch(/\| in-NINR decay/);
    for (const f of ["compare.csv", "report.html", "robustness_mlp.png", "corruptions_mlp.png", "sigmas.json"]) expect(existsSync(join(out, f)), f).toBe(true);
    const rep = await ninr("report", out);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/rebuilt/);
  });
});
