/**
 * The E1 report with observed phases (src/node/report/phasesReport.ts): "unresolved" is a column
 * of its own and a disagreement, the agreement is computed from the observed phases, near-chance
 * runs are counted and named, the independence of observation and prediction is stated, and
 * records from the earlier k(t)-only classifier are not passed off as observations.
 */
import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INDEPENDENCE_NOTE, STALE_REASON, agreementSentence, loadPhaseRuns, summarizePhases, writePhasesReport } from "../../../src/node/report/phasesReport.ts";
import type { PhaseRecord } from "../../../src/experiments/phaseRun.ts";
import { parseCsv } from "../../../src/report/tables.ts";

const rec = (sigma: number, predicted: string, observed: string, extra: Partial<PhaseRecord> = {}): PhaseRecord =>
  ({
    model: "mlp", init: "pytorch", nin: "input", sigma, lr: 0.01, seed: 0, steps: 312, k: sigma / 100, lambda_noise: sigma, lambda_max: sigma, lambda_niw: sigma / 2, k_niw: sigma / 200,
    curvature_grad_equivalents: 1, predicted_phase: predicted, observed_phase: observed, classifier_reason: "test", near_chance: false, classes: 10, k_final: 0.1, k_min: 0.1,
    niw_decay_time: null, niw_decay_note: "not observed within the run: the coupling does not decay", predicted_decay_time: null, train_loss_decay_time: null, train_loss_decay_note: null,
    test_loss_decay_time: null, test_loss_decay_note: null, loss_rise: 1, coupling_rise: 1, theta_change: 0, coupling_fall: 1, coupling_drop: 1, clean_test_acc: 0.6, diverged: false, ...extra,
  }) as PhaseRecord;

describe("summaries from observed phases", () => {
  it("unresolved counts as a disagreement, with the agreement among resolved runs beside it", () => {
    const s = summarizePhases([rec(1, "decoupled", "decoupled"), rec(10, "decay", "unresolved"), rec(100, "decay", "decay"), rec(464, "divergent", "catapult", { near_chance: true })]);
    expect(s.agreement).toBe(0.5);
    expect(s.unresolved).toBe(1);
    expect(s.agreement_resolved).toBeCloseTo(2 / 3, 12);
    expect(s.near_chance).toBe(1);
    expect(s.observed_phases_in_sigma_order).toEqual(["decoupled", "unresolved", "decay", "catapult"]);
    expect(s.ordered).toBe(true); // unresolved is skipped in the order check
    expect(agreementSentence(s)).toBe("Predicted = observed on 50% of 4 runs (1 unresolved, counted as disagreements; 67% of the 3 resolved). 1 run(s) ended near chance.");
  });
});

describe("the report files", () => {
  it("show the unresolved column, the observed agreement, near-chance runs and the independence note", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-phases-report-"));
    const records = [
      rec(1, "decoupled", "decoupled"),
      rec(21.5, "decay", "unresolved"),
      rec(100, "decay", "decay", { niw_decay_time: 40, niw_decay_note: null, predicted_decay_time: 0.5 }),
      rec(464, "divergent", "catapult", { near_chance: true, clean_test_acc: 0.23 }),
    ];
    const dirs: string[] = [];
    records.forEach((r, i) => {
      const d = join(out, "runs", `r${i}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, "summary.json"), JSON.stringify({ phase: r }));
      writeFileSync(join(d, "trace.json"), JSON.stringify({ t: [0, 2], k: [r.k, r.k], test_loss: [2.3, 2.2], step: [1, 2, 3], loss: [2.3, 2.3, 2.2], coupling: [0.01, 0.011, 0.012], niw_norm: [0.5, 0.5, 0.5] }));
      dirs.push(d);
    });
    // A record written by the k(t)-only classifier (no near_chance): not shown as an observation.
    const old = join(out, "runs", "old");
    mkdirSync(old, { recursive: true });
    const { near_chance: _drop, ...oldRecord } = rec(1000, "divergent", "divergent");
    writeFileSync(join(old, "summary.json"), JSON.stringify({ phase: oldRecord }));
    dirs.push(old);

    const runs = loadPhaseRuns(dirs);
    expect(runs.find((r) => r.dir === old)!.record.observed_phase).toBe("unresolved");
    expect(runs.find((r) => r.dir === old)!.record.classifier_reason).toBe(STALE_REASON);
    const summary = await writePhasesReport(out, runs, { command: "test" });
    expect(summary.points).toBe(5);
    expect(summary.agreement).toBeCloseTo(2 / 5, 12);
    expect(summary.unresolved).toBe(2);

    const md = readFileSync(join(out, "predicted_vs_observed.md"), "utf8");
    const header = md.split("\n")[0];
    expect(header).toMatch(/\| decoupled \| decay \| catapult \| divergent \| unresolved \|/);
    // Row "decay": one observed decay, one unresolved.
    expect(md).toMatch(/\| decay\s+\|\s+0 \|\s+1 \|\s+0 \|\s+0 \|\s+1 \|/);
    expect(md).toContain("Predicted = observed on 40% of 5 runs (2 unresolved");
    expect(md).toContain(INDEPENDENCE_NOTE);

    const csv = parseCsv(readFileSync(join(out, "phases.csv"), "utf8"));
    expect(csv[0]).toContain("near_chance");
    expect(csv[0]).toContain("niw_decay_note");
    const html = readFileSync(join(out, "report.html"), "utf8");
    expect(html).toContain("measured independently of the prediction");
    expect(html).toContain("Near chance (flagged whatever the phase): mlp sigma=464");
  });
});
