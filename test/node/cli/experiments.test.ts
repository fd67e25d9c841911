/**
 * End-to-end smoke runs of the sweep verbs on the bundled sample (tiny "smoke" presets):
 * every promised file appears, and a second invocation resumes without redoing any run.
 * One sweep worker: vitest already runs two test files at once on the 2-core machines.
 */
import { describe, expect, it } from "vitest";
import { SAMPLE, ninr } from "../../helpers/cli.ts";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
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
  it("writes compare.json/md/csv, poster.md, plots and report.html; recomputes a corrupt sigmas.json; report rebuilds them", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-compare-"));
    // A damaged cache from an interrupted run: recomputed with a warning, never a SyntaxError.
    writeFileSync(join(out, "sigmas.json"), '{"preset": "smoke", "sigmas": [');
    const r = await ninr("compare", "--preset", "smoke", "--data", SAMPLE, "--out", out, "--workers", "1");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: .*sigmas\.json is not valid JSON.*recomputing/);
    const sigmas = JSON.parse(readFileSync(join(out, "sigmas.json"), "utf8"));
    expect(sigmas.sigmas).toHaveLength(4);
    for (const s of sigmas.sigmas) expect(s).toMatchObject({ model: "mlp", init: "pytorch", seed: 0 });
    const cmp = JSON.parse(readFileSync(join(out, "compare.json"), "utf8"));
    const methods = cmp.rows.map((row: { method: string }) => row.method);
    expect(methods).toEqual(["vanilla", "L2 0.0001", "Dropout 0.2", "CDT 0.3", "CDT matched (decay level)", "in-NINR decay", "in-NINR catapult", "full-NINR decay", "full-NINR catapult"]);
    for (const row of cmp.rows) {
      for (const key of ["method", "model", "init", "clean_acc_mean", "clean_acc_std", "seeds", "gaussian_unclipped_acc", "gaussian_clipped_acc", "corruption_mean_acc", "peak_epoch_mean", "holdout_choice"]) expect(row).toHaveProperty(key);
      expect(Object.keys(row.gaussian_unclipped_acc)).toContain("0.3");
      expect(Object.keys(row.gaussian_clipped_acc)).toContain("0.3");
    }
    expect(cmp.rows.find((row: { method: string }) => row.method === "CDT 0.3").holdout_choice).toBe(true);
    const ninrRow = cmp.rows.find((row: { method: string }) => row.method === "in-NINR decay");
    expect(ninrRow.sigma_per_seed).toEqual([sigmas.sigmas.find((s: { nin: string; phase: string }) => s.nin === "input" && s.phase === "decay").sigma]);
    const md = readFileSync(join(out, "compare.md"), "utf8");
    expect(md).toMatch(/## MLP, init pytorch/);
    expect(md).toMatch(/\| in-NINR decay/);
    expect(md).toMatch(/unclipped s=0\.3 .*clipped s=0\.3/);
    expect(readFileSync(join(out, "poster.md"), "utf8")).toMatch(/\| ours: MLP, init pytorch \(1 seed, 1 epoch\)/);
    // Each run's summary records the k its sigma achieved at this seed's initialization and the holdout peak.
    const all = readdirSync(join(out, "runs")).map((d) => JSON.parse(readFileSync(join(out, "runs", d, "summary.json"), "utf8")));
    const summaries = all.filter((s) => s.kind !== "attack");
    // The attack stage: one attack run per trained model, tables per method in compare.json and compare.md.
    const attacks = all.filter((s) => s.kind === "attack");
    expect(attacks).toHaveLength(summaries.length);
    for (const a of attacks) {
      expect(summaries.map((s) => s.method)).toContain(a.method);
      for (const attack of ["fgsm", "pgd"]) {
        const acc = [a.adversarial[attack]["0.05"], a.adversarial[attack]["0.1"]];
        // Robust accuracy in B(eps) is monotone in eps and never above the clean accuracy.
        expect(acc[1]).toBeLessThanOrEqual(acc[0]);
        expect(acc[0]).toBeLessThanOrEqual(a.adversarial_clean_acc);
      }
      expect(Object.keys(a.domain_shift).sort()).toEqual(["elastic", "gamma_dark", "gamma_light"]);
    }
    expect(cmp.attacks.map((row: { method: string }) => row.method)).toEqual(methods);
    expect(md).toMatch(/### MLP, init pytorch: adversarial robustness[\s\S]*\| in-NINR decay[\s\S]*### MLP, init pytorch: held-out domain shift/);
    const inDecay = summaries.find((s) => s.method === "in-NINR decay");
    expect(inDecay.sigma_choice).toMatchObject({ nin: "input", phase: "decay", target_k: 1 });
    expect(typeof inDecay.sigma_choice.k).toBe("number");
    for (const s of summaries) expect(s).toMatchObject({ init: "pytorch", peak_epoch: 1, epochs_run: 1 });
    for (const f of ["compare.csv", "report.html", "robustness_mlp.png", "robustness_clipped_mlp.png", "corruptions_mlp.png"]) expect(existsSync(join(out, f)), f).toBe(true);
    const rep = await ninr("report", out);
    expect(rep.status, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/rebuilt/);
    expect(rep.stderr).not.toMatch(/left out/);
    expect(JSON.parse(readFileSync(join(out, "compare.json"), "utf8")).attacks).toHaveLength(methods.length);
    // Resumed: no training and no attack run is redone.
    const before = mtimes(out);
    const again = await ninr("compare", "--preset", "smoke", "--data", SAMPLE, "--out", out, "--workers", "1");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/\[18\/18\] attack: .* cached/);
    expect(mtimes(out)).toEqual(before);
    // A compare-config.json whose command is no text (here a 100,000-deep list): rebuilt, with one warning.
    writeFileSync(join(out, "compare-config.json"), JSON.stringify({ ...JSON.parse(readFileSync(join(out, "compare-config.json"), "utf8")), command: null }).replace('"command":null', `"command":${"[".repeat(100000)}${"]".repeat(100000)}`));
    const deep = await ninr("report", out);
    expect(deep.status, deep.stderr).toBe(0);
    expect(deep.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^warning: .*compare-config\.json: "command" is not text \(a list\); the report shows it as "\?"/)]);
    expect(readFileSync(join(out, "compare.md"), "utf8")).toMatch(/Command: `\?`/);
  }, 300_000);

  it("rejects an unknown --inits scheme and an epoch count of 0 before anything runs", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-compare-bad-"));
    const bad = await ninr("compare", "--preset", "smoke", "--data", SAMPLE, "--out", out, "--inits", "pytorch,xavier");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--inits must be one of pytorch\|he-normal\|he-uniform\|glorot-uniform, got 'xavier'/);
    const zero = await ninr("compare", "--preset", "smoke", "--data", SAMPLE, "--out", out, "--epochs", "0");
    expect(zero.status).toBe(2);
    expect(existsSync(join(out, "sigmas.json"))).toBe(false);
  });
});
