/** `ninr evaluate` on tiny runs trained on the bundled sample (plus --adversarial and --domain-shift). */
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

  it("--adversarial and --domain-shift add their tables, CSV rows and summary lines; their flags are validated", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ninr-eval-adv-"));
    const run = join(dir, "run");
    const t = await ninr("train", "--widths", "784,32,10", "--nin", "input", "--sigma", "1", "--lr", "0.1", "--train-size", "600", "--batch", "50", "--epochs", "1", "--data", SAMPLE, "--out", run, "--quiet", "--no-curvature");
    expect(t.status, t.stderr).toBe(0);
    const r = await ninr("evaluate", "--run", run, "--adversarial", "--domain-shift", "--data", SAMPLE, "--quiet");
    expect(r.status, r.stderr).toBe(0);
    const rob = JSON.parse(readFileSync(join(run, "robustness.json"), "utf8"));
    const grid = [0.01, 0.02, 0.05, 0.1, 0.2];
    expect(rob.conditions).toHaveLength(64); // E3 as before
    expect(rob.adversarial).toHaveLength(10);
    expect(rob.adversarial.map((a: { attack: string; eps: number }) => `${a.attack}:${a.eps}`)).toEqual(["fgsm", "pgd"].flatMap((a) => grid.map((e) => `${a}:${e}`)));
    for (const a of rob.adversarial) {
      expect(a.n).toBe(500);
      for (const k of ["acc", "acc_at_eps", "acc_final", "clean_acc"]) expect(a[k] >= 0 && a[k] <= 1, `${a.attack} ${a.eps} ${k} = ${a[k]}`).toBe(true);
      expect(a.acc).toBeLessThanOrEqual(a.clean_acc);
      expect(a.steps).toBe(a.attack === "pgd" ? 10 : 1);
      expect(a.step_size).toBeCloseTo(a.attack === "pgd" ? (2.5 * a.eps) / 10 : a.eps, 12);
    }
    const pgd = rob.adversarial.filter((a: { attack: string }) => a.attack === "pgd");
    for (let k = 1; k < pgd.length; k++) expect(pgd[k].acc).toBeLessThanOrEqual(pgd[k - 1].acc);
    expect(pgd[4].acc).toBeLessThan(pgd[0].clean_acc / 2); // eps 0.2 breaks most of this model
    // Noise off: the attacks' clean accuracy is the run's clean test accuracy (evaluated without test noise).
    expect(pgd[0].clean_acc).toBeCloseTo(rob.summary.clean_acc, 12);
    expect(rob.domain_shift.map((d: { shift: string }) => d.shift)).toEqual(["elastic", "gamma_dark", "gamma_light"]);
    for (const d of rob.domain_shift) {
      expect(d.acc >= 0 && d.acc <= 1).toBe(true);
      expect(d.clean_acc).toBe(rob.summary.clean_acc);
      expect(d.n).toBe(500);
    }
    const csv = readFileSync(join(run, "robustness.csv"), "utf8").trim().split("\n");
    expect(csv).toHaveLength(1 + 64 + 10 + 3);
    expect(csv.filter((l) => l.includes(",adversarial,"))).toHaveLength(10);
    expect(csv.filter((l) => l.includes(",domain_shift,"))).toHaveLength(3);
    expect(r.stdout).toMatch(/^adversarial \(L∞, noise off, n=500.*0\.01:[\d.]+%\/[\d.]+%/m);
    expect(r.stdout).toMatch(/^domain shift \(held out\): elastic [\d.]+%  gamma_dark [\d.]+%  gamma_light [\d.]+%/m);

    // A smaller attack set and its flags; the tables replace the previous ones.
    const r2 = await ninr("evaluate", "--run", run, "--adversarial", "--adv-eps", "0.1,0.05", "--pgd-steps", "3", "--adv-size", "40", "--data", SAMPLE, "--quiet");
    expect(r2.status, r2.stderr).toBe(0);
    const rob2 = JSON.parse(readFileSync(join(run, "robustness.json"), "utf8"));
    expect(rob2.adversarial.map((a: { attack: string; eps: number; n: number; steps: number }) => [a.attack, a.eps, a.n, a.steps])).toEqual([
      ["fgsm", 0.05, 40, 1],
      ["fgsm", 0.1, 40, 1],
      ["pgd", 0.05, 40, 3],
      ["pgd", 0.1, 40, 3],
    ]);
    expect(rob2.domain_shift).toBeUndefined();

    for (const [args, msg] of [
      [["--adv-eps", "0.1"], /--adv-eps needs --adversarial/],
      [["--pgd-steps", "5"], /--pgd-steps needs --adversarial/],
      [["--adversarial", "--adv-eps", "0,0.1"], /--adv-eps must be > 0/],
      [["--adversarial", "--adv-eps", "2"], /eps must be in \(0, 1\]/],
      [["--adversarial", "--pgd-steps", "0"], /--pgd-steps must be >= 1/],
      [["--adversarial", "--pgd-steps", "2.5"], /--pgd-steps must be an integer/],
      [["--adversarial", "--adv-size", "501"], /--adv-size 501 is larger than the 500 test images/],
    ] as [string[], RegExp][]) {
      const bad = await ninr("evaluate", "--run", run, ...args, "--data", SAMPLE, "--quiet");
      expect(bad.status, `${args.join(" ")}: ${bad.stderr}`).toBe(2);
      expect(bad.stderr).toMatch(msg);
    }
  });
});
