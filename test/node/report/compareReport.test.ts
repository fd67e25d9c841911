/**
 * The E2 comparison report (src/node/report/compareReport.ts, src/node/report/poster.ts) on
 * synthetic run summaries: aggregation per model and init, the holdout's choice in each grid, the
 * holdout peak, and poster.md.
 */
import { describe, expect, it } from "vitest";
import { type CompareRunSummary, aggregateCompare, compareTable, noiseCell, verdictTable } from "../../../src/node/report/compareReport.ts";
import { verdictCell, verdicts } from "../../../src/node/report/verdicts.ts";
import { POSTER_VALUES, posterMarkdown, posterTable } from "../../../src/node/report/poster.ts";
import type { RobustnessSummary } from "../../../src/experiments/robustness.ts";
import type { AttackSummary } from "../../../src/experiments/attackJob.ts";

const rob = (acc: number): RobustnessSummary => ({
  clean_acc: acc,
  corruption_mean_acc: acc - 0.1,
  per_corruption: { blur: acc - 0.1 },
  gaussian_unclipped: { "0": acc, "0.3": acc - 0.1, "0.5": acc - 0.3, "1": acc - 0.5 },
  gaussian_clipped: { "0": acc, "0.3": acc - 0.05, "0.5": acc - 0.2, "1": acc - 0.4 },
  relative_corruption_error: null,
  baseline: null,
});

type Run = CompareRunSummary & { init: string; cdt: number | null };
const run = (method: string, seed: number, acc: number, extra: Partial<Run> = {}): Run => ({
  method, model: "mlp", init: "pytorch", seed, sigma: null, cdt: null, clean_test_acc: acc, holdout_acc: acc, diverged: false,
  epochs: 20, epochs_run: 20, peak_epoch: 20, peak_holdout_acc: acc, robustness: rob(acc), ...extra,
});

describe("comparison aggregation", () => {
  it("means, sample std and error relative to vanilla of the same seed", () => {
    const rows = aggregateCompare([run("vanilla", 0, 0.8), run("vanilla", 1, 0.9), run("full-NINR decay", 0, 0.85), run("full-NINR decay", 1, 0.95)], ["vanilla", "full-NINR decay"]);
    expect(rows.map((r) => r.method)).toEqual(["vanilla", "full-NINR decay"]);
    const ninr = rows[1];
    expect(ninr.clean_acc_mean).toBeCloseTo(0.9, 12);
    expect(ninr.clean_acc_std).toBeCloseTo(Math.sqrt(0.005), 12);
    expect(ninr.gaussian_unclipped_acc["0.5"]).toBeCloseTo(0.6, 12);
    expect(ninr.gaussian_clipped_acc["0.5"]).toBeCloseTo(0.7, 12);
    // corruption errors: vanilla 0.3, 0.2; NINR 0.25, 0.15 -> mean(0.25/0.3, 0.15/0.2)
    expect(ninr.relative_corruption_error).toBeCloseTo((0.25 / 0.3 + 0.15 / 0.2) / 2, 12);
    expect(ninr.holdout_choice).toBeNull(); // not a grid
  });

  it("one row per model and init; vanilla of the same init is the reference; runs without an init read as pytorch", () => {
    const { init: _drop, ...old } = run("vanilla", 0, 0.8);
    const rows = aggregateCompare([old as CompareRunSummary, run("vanilla", 0, 0.9, { init: "he-normal" }), run("in-NINR decay", 0, 0.81), run("in-NINR decay", 0, 0.89, { init: "he-normal" })], ["vanilla", "in-NINR decay"]);
    expect(rows.map((r) => `${r.init} ${r.method}`)).toEqual(["pytorch vanilla", "pytorch in-NINR decay", "he-normal vanilla", "he-normal in-NINR decay"]);
    expect(rows[1].relative_corruption_error).toBeCloseTo(0.29 / 0.3, 12);
    expect(rows[3].relative_corruption_error).toBeCloseTo(0.21 / 0.2, 12);
  });

  it("marks the L2, Dropout and CDT strength with the best mean holdout accuracy per model and init", () => {
    const runs = [
      run("vanilla", 0, 0.8),
      // L2: 1e-4 has the best holdout mean (0.86) though 1e-3 has the best test accuracy.
      run("L2 0.00001", 0, 0.8, { holdout_acc: 0.84 }), run("L2 0.00001", 1, 0.8, { holdout_acc: 0.84 }),
      run("L2 0.0001", 0, 0.8, { holdout_acc: 0.85 }), run("L2 0.0001", 1, 0.8, { holdout_acc: 0.87 }),
      run("L2 0.001", 0, 0.9, { holdout_acc: 0.83 }), run("L2 0.001", 1, 0.9, { holdout_acc: 0.83 }),
      // Dropout: a tie goes to the first in table order.
      run("Dropout 0.2", 0, 0.8, { holdout_acc: 0.8 }), run("Dropout 0.5", 0, 0.8, { holdout_acc: 0.8 }),
      run("CDT 0.1", 0, 0.8, { holdout_acc: 0.7 }), run("CDT 0.3", 0, 0.8, { holdout_acc: 0.75 }), run("CDT 0.5", 0, 0.8, { holdout_acc: 0.72 }),
      // The matched CDT is not part of the fixed-level grid, however good its holdout.
      run("CDT matched (decay level)", 0, 0.8, { holdout_acc: 0.99, cdt: 3.6 }),
      // The same grid at another init chooses on its own.
      run("L2 0.00001", 0, 0.8, { init: "he-normal", holdout_acc: 0.9 }), run("L2 0.0001", 0, 0.8, { init: "he-normal", holdout_acc: 0.8 }),
    ];
    const order = ["vanilla", "L2 0.00001", "L2 0.0001", "L2 0.001", "Dropout 0.2", "Dropout 0.5", "CDT 0.1", "CDT 0.3", "CDT 0.5", "CDT matched (decay level)"];
    const rows = aggregateCompare(runs, order);
    const chosen = rows.filter((r) => r.holdout_choice).map((r) => `${r.init} ${r.method}`);
    expect(chosen).toEqual(["pytorch L2 0.0001", "pytorch Dropout 0.2", "pytorch CDT 0.3", "he-normal L2 0.00001"]);
    expect(rows.find((r) => r.method === "vanilla")!.holdout_choice).toBeNull();
    expect(rows.find((r) => r.method === "CDT matched (decay level)")!.holdout_choice).toBeNull();
    expect(rows.find((r) => r.method === "L2 0.001")!.holdout_choice).toBe(false);
    // Without any holdout accuracy, nothing is chosen.
    const none = aggregateCompare([run("L2 0.0001", 0, 0.8, { holdout_acc: null }), run("L2 0.001", 0, 0.8, { holdout_acc: null })], []);
    expect(none.map((r) => r.holdout_choice)).toEqual([false, false]);
  });

  it("summarises where the holdout accuracy peaked and flags runs still rising at the last epoch", () => {
    const rows = aggregateCompare(
      [run("vanilla", 0, 0.8, { peak_epoch: 14, peak_holdout_acc: 0.86 }), run("vanilla", 1, 0.8, { peak_epoch: 16, peak_holdout_acc: 0.88 }), run("vanilla", 2, 0.8, { peak_epoch: 20, peak_holdout_acc: 0.87 })],
      ["vanilla"],
    );
    expect(rows[0]).toMatchObject({ peak_epoch_mean: 50 / 3, peak_at_last_epoch: 1, epochs: 20 });
    expect(rows[0].peak_holdout_mean).toBeCloseTo(0.87, 12);
    expect(compareTable(rows)).toMatch(/\| 16\.7 ± 3\.1 \/ 20 † \| 87\.0 ± 1\.0 /);
  });

  it("holdout gain over the last 5 epochs and the mean curve, over the seeds that have one", () => {
    const curve = (end: number) => Array.from({ length: 8 }, (_, e) => end - 0.01 * (7 - e)); // rises 1 point an epoch
    const rows = aggregateCompare(
      [run("vanilla", 0, 0.8, { holdout_curve: curve(0.8) }), run("vanilla", 1, 0.8, { holdout_curve: [0.5, 0.6, 0.7, 0.8, 0.9, 0.9, 0.9, 0.9] }), run("vanilla", 2, 0.8, { holdout_curve: [0.7, 0.8] })],
      ["vanilla"],
    );
    // seed 0: +5 points over the last 5 epochs; seed 1: 0.9 - 0.7 = +20; seed 2: too short to count
    expect(rows[0].holdout_tail_gain_mean).toBeCloseTo(0.125, 12);
    expect(rows[0].holdout_tail_gain_std).toBeCloseTo(Math.SQRT2 * 0.075, 12);
    expect(rows[0].holdout_curve_mean).toHaveLength(8);
    expect(rows[0].holdout_curve_mean[0]).toBeCloseTo((0.73 + 0.5 + 0.7) / 3, 12);
    expect(rows[0].holdout_curve_mean[7]).toBeCloseTo((0.8 + 0.9) / 2, 12);
    expect(compareTable(rows)).toMatch(/\| \+12\.5 ± 10\.6 +\|/);
    expect(aggregateCompare([run("vanilla", 0, 0.8)], ["vanilla"])[0].holdout_tail_gain_mean).toBeNaN();
  });

  it("orders the groups by model (first appearance) and init (pytorch first), whatever order the run folders came in", () => {
    const rows = aggregateCompare([run("vanilla", 0, 0.8, { init: "he-normal" }), run("vanilla", 0, 0.8, { model: "cnn", init: "glorot-uniform" }), run("vanilla", 0, 0.8), run("vanilla", 0, 0.8, { model: "cnn" })], ["vanilla"]);
    expect(rows.map((r) => `${r.model}/${r.init}`)).toEqual(["mlp/pytorch", "mlp/he-normal", "cnn/pytorch", "cnn/glorot-uniform"]);
  });

  it("shows per-seed sigmas as a range with the k at initialization they achieved", () => {
    const choice = (k: number, converged = true) => ({ nin: "input" as const, phase: "decay" as const, sigma: 1, target_k: 1, k, converged });
    const rows = aggregateCompare([run("in-NINR decay", 0, 0.8, { sigma: 95.1, sigma_choice: choice(0.9) }), run("in-NINR decay", 1, 0.8, { sigma: 104.3, sigma_choice: choice(1.1, false) })], []);
    expect(noiseCell(rows[0])).toBe("sigma 95.1–104.3, k 1.00 ± 0.14*");
    expect(rows[0].sigma_unconverged).toBe(1);
  });
});

describe("verdict table", () => {
  it("NINR minus vanilla on clean data, and minus the best of vanilla and the holdout's L2/Dropout under test noise", () => {
    const rows = aggregateCompare(
      [
        run("vanilla", 0, 0.8),
        run("L2 0.0001", 0, 0.81, { holdout_acc: 0.9 }), run("L2 0.001", 0, 0.95, { holdout_acc: 0.1 }), // the better-on-test L2 is not the holdout's choice
        run("Dropout 0.2", 0, 0.79),
        run("in-NINR decay", 0, 0.785), // clean −1.5; every noise level 2.5 points under the holdout's L2
        run("full-NINR catapult", 0, 0.75, { robustness: { ...rob(0.75), gaussian_unclipped: { "0": 0.75, "0.3": 0.72, "0.5": 0.6, "1": 0.4 } } }),
      ],
      ["vanilla", "L2 0.0001", "L2 0.001", "Dropout 0.2", "in-NINR decay", "full-NINR catapult"],
    );
    const t = verdictTable(rows);
    expect(t.split("\n")[0]).toMatch(/^\| method +\| clean − vanilla +\| unclipped s=0\.3 − best baseline .*\| clipped s=1 − best baseline +\| seeds \|$/);
    const line = (m: string) => t.split("\n").find((l) => l.startsWith(`| ${m} `))!.split("|").map((c) => c.trim()).slice(1, -1);
    expect(line("in-NINR decay")).toEqual(["in-NINR decay", "−1.5 within 2 1/1", "−2.5 not ahead 0/1", "−2.5 not ahead 0/1", "−2.5 not ahead 0/1", "−2.5 not ahead 0/1", "−2.5 not ahead 0/1", "−2.5 not ahead 0/1", "1"]);
    expect(line("full-NINR catapult")).toEqual(["full-NINR catapult", "−5.0 not within 2 0/1", "+1.0 ahead 1/1", "+9.0 ahead 1/1", "+9.0 ahead 1/1", "−6.0 not ahead 0/1", "−6.0 not ahead 0/1", "−6.0 not ahead 0/1", "1"]);
    expect(verdictTable(rows.filter((r) => r.method !== "vanilla"))).toBe("");
  });

  it("pairs seeds: the answer holds in every seed, none, or some (mixed), with the spread of the paired differences", () => {
    // vanilla 0.80 / 0.90 / 0.85 by seed; NINR clean 0.79 / 0.86 / 0.86 -> differences −1, −4, +1 points
    const noisy = (acc: number, u05: number) => ({ robustness: { ...rob(acc), gaussian_unclipped: { "0": acc, "0.3": acc - 0.1, "0.5": u05, "1": acc - 0.5 } } });
    const rows = aggregateCompare(
      [
        run("vanilla", 0, 0.8, noisy(0.8, 0.5)), run("vanilla", 1, 0.9, noisy(0.9, 0.7)), run("vanilla", 2, 0.85, noisy(0.85, 0.6)),
        // at unclipped s=0.5: NINR 0.55 / 0.72 / 0.58 against 0.5 / 0.7 / 0.6 -> +5, +2, −2
        run("in-NINR decay", 0, 0.79, noisy(0.79, 0.55)), run("in-NINR decay", 1, 0.86, noisy(0.86, 0.72)), run("in-NINR decay", 2, 0.86, noisy(0.86, 0.58)),
      ],
      ["vanilla", "in-NINR decay"],
    );
    const [v] = verdicts(rows);
    expect(v.answers.clean).toMatchObject({ n: 3, passed: 2, answer: "mixed" });
    expect(v.answers.clean!.d).toBeCloseTo(-4 / 3, 9);
    expect(v.answers.clean!.sd).toBeCloseTo(Math.sqrt(((-1 + 4 / 3) ** 2 + (-4 + 4 / 3) ** 2 + (1 + 4 / 3) ** 2) / 2), 9);
    expect(v.answers["u0.5"]).toMatchObject({ n: 3, passed: 2, answer: "mixed" });
    expect(v.answers["u0.5"]!.d).toBeCloseTo(5 / 3, 9);
    // s=1 unclipped: acc − 0.5 for both -> clean differences again: −1, −4, +1: 1 of 3 ahead
    expect(v.answers.u1).toMatchObject({ passed: 1, answer: "mixed" });
    expect(verdictCell("u0.5", v.answers["u0.5"])).toBe(`+1.7 ± 3.5 mixed 2/3`);
  });
});

describe("attack tables", () => {
  it("brackets a NINR row's difference to the best baseline paired by seed, with the seeds it is ahead in", async () => {
    const { aggregateAttacks, attackTables } = await import("../../../src/node/report/compareAttacks.ts");
    const atk = (method: string, seed: number, pgd: number, elastic: number): AttackSummary => ({
      kind: "attack", source: "x", method, model: "mlp", init: "pytorch", seed, adversarial_n: 100, adversarial_clean_acc: 0.8,
      adversarial: { pgd: { "0.05": pgd } }, domain_shift_n: 100, domain_shift_clean_acc: 0.8, domain_shift: { elastic }, seconds: 1,
    });
    const methods = ["vanilla", "in-NINR decay"];
    const rows = aggregateAttacks([atk("vanilla", 0, 0.3, 0.6), atk("vanilla", 1, 0.5, 0.6), atk("in-NINR decay", 0, 0.4, 0.55), atk("in-NINR decay", 1, 0.45, 0.58)], methods);
    const cmp = aggregateCompare([run("vanilla", 0, 0.8), run("vanilla", 1, 0.8), run("in-NINR decay", 0, 0.8), run("in-NINR decay", 1, 0.8)], methods);
    const t = attackTables(rows, cmp, { model: "mlp", init: "pytorch" })!;
    // PGD: +10 and −5 points by seed -> mean +2.5, ahead in 1 of 2; elastic: −5, −2 -> −3.5, 0 of 2
    expect(t.adversarial.split("\n").find((l) => l.startsWith("| in-NINR decay"))).toMatch(/42\.5 ± 3\.5 \(\+2\.5, 1\/2\)/);
    expect(t.shift.split("\n").find((l) => l.startsWith("| in-NINR decay"))).toMatch(/56\.5 ± 2\.1 \(−3\.5, 0\/2\)/);
    expect(t.adversarial.split("\n").find((l) => l.startsWith("| vanilla"))).not.toMatch(/\(/);
  });
});

describe("poster.md", () => {
  const methods = ["vanilla", "L2 0.0001", "L2 0.001", "Dropout 0.2", "CDT 0.1", "CDT 0.3", "CDT matched (decay level)", "in-NINR decay", "in-NINR catapult", "full-NINR decay", "full-NINR catapult"];
  const accs = [0.86, 0.861, 0.852, 0.855, 0.84, 0.81, 0.6, 0.83, 0.8, 0.85, 0.845];
  const runs: Run[] = [];
  for (const [i, m] of methods.entries())
    for (const seed of [0, 1]) runs.push(run(m, seed, accs[i] + (seed ? 0.01 : -0.01), { holdout_acc: m === "L2 0.001" || m === "CDT 0.1" ? 0.9 : 0.8 }));
  // A second init with one seed: no ± (sample std of one value).
  runs.push(run("vanilla", 0, 0.87, { init: "he-normal" }), run("in-NINR decay", 0, 0.85, { init: "he-normal" }));
  const rows = aggregateCompare(runs, methods);

  it("has the poster's columns, our mean ± std (the holdout's choice for L2/Dropout/CDT), and the poster's row as read", () => {
    expect(POSTER_VALUES).toHaveLength(9);
    expect(posterTable(rows)).toBe(
      [
        "|                                               | in-NINR decay | in-NINR catapult | full-NINR decay | full-NINR catapult | CDT                     | L2                   | Dropout            | vanilla      |",
        "| --------------------------------------------- | ------------- | ---------------- | --------------- | ------------------ | ----------------------- | -------------------- | ------------------ | ------------ |",
        "| ours: MLP, init pytorch (2 seeds, 20 epochs)  | 83.0 ± 1.4    | 80.0 ± 1.4       | 85.0 ± 1.4      | 84.5 ± 1.4         | 84.0 ± 1.4 (s 0.1)      | 85.2 ± 1.4 (λ 0.001) | 85.5 ± 1.4 (p 0.2) | 86.0 ± 1.4   |",
        "| ours: MLP, init he-normal (1 seed, 20 epochs) | 85.0          | n/a              | n/a             | n/a                | n/a                     | n/a                  | n/a                | 87.0         |",
        "| poster (as read, see note)                    | 92.2 ± 0.7    | 91.0 ± 1.1       | 91.0 ± 1.2      | 89.0 ± 0.6         | 84.6 ± 2.6 / 84.1 ± 6.4 | 91.0 ± 0.8           | 90.0 ± 0.2         | (lost) ± 1.0 |",
        "",
      ].join("\n"),
    );
  });

  it("states what is known and unknown about the poster's row under the table", () => {
    const md = posterMarkdown(rows, { command: "ninr compare --preset quick" });
    expect(md.startsWith("# The poster's table beside ours\n\nCommand: `ninr compare --preset quick`\n\n")).toBe(true);
    expect(md).toContain(posterTable(rows));
    expect(md).toMatch(/"Test accuracy on clean data \(FMNIST\)"/);
    expect(md).toMatch(/seven column heads .* over nine values/);
    expect(md).toMatch(/`\(lost\) ± 1\.0 \| 92\.2 ± 0\.7 \| 91\.0 ± 1\.1 \| 91\.0 ± 1\.2 \| 89\.0 ± 0\.6 \| 91\.0 ± 0\.8 \| 90\.0 ± 0\.2 \| 84\.6 ± 2\.6 \| 84\.1 ± 6\.4`/);
    expect(md).toMatch(/no head for vanilla survives/);
    expect(md).toMatch(/Also unknown: whether the row is the dense or the convolutional network/);
  });
});

describe("conclusions across initialisations", () => {
  it("says per question whether every init gives the same answer", async () => {
    const { acrossInitsTable } = await import("../../../src/node/report/acrossInits.ts");
    const at = (init: string, ninrAcc: number) => [run("vanilla", 0, 0.8, { init }), run("in-NINR decay", 0, ninrAcc, { init })];
    // pytorch: NINR 0.5 points behind clean (within 2) and behind under noise; he-normal: 5 points behind clean, behind under noise.
    const rows = aggregateCompare([...at("pytorch", 0.795), ...at("he-normal", 0.75)], ["vanilla", "in-NINR decay"]);
    const table = acrossInitsTable(rows);
    const line = (q: string) => table.split("\n").find((l) => l.includes(q))!;
    expect(line("clean within 2 of vanilla")).toMatch(/yes \(−0\.5, 1\/1\).*no \(−5\.0, 0\/1\).*differs/);
    expect(line("ahead at unclipped s=0.5")).toMatch(/no .*no .*holds \(no at every init\)/);
    // One init only: nothing to compare.
    expect(acrossInitsTable(aggregateCompare(at("pytorch", 0.9), ["vanilla", "in-NINR decay"]))).toBe("");
  });
});
