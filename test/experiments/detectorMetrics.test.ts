import { describe, expect, it } from "vitest";
import { aggregateDetector, detectorGaps, type RunEval } from "../../src/experiments/detectorEval.ts";
import { detectorMetrics, fitLogistic, logisticScore, rejectionAt, rocAuc, rocCurve } from "../../src/experiments/detectorMetrics.ts";
import { DETECTOR_PRESETS, detectorCells, methodKeys } from "../../src/experiments/detector.ts";
import { HostRng } from "../../src/engine/hostRng.ts";

/** AUC by brute force over all pairs (oracle). */
function pairAuc(s: number[], y: number[]): number {
  let a = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++)
    for (let j = 0; j < s.length; j++)
      if (y[i] === 1 && y[j] === 0) {
        a += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
        n++;
      }
  return a / n;
}

describe("detector metrics", () => {
  it("rank AUC equals the all-pairs AUC, ties included; the trapezoid area under the ROC agrees", () => {
    const rng = new HostRng(3);
    const y = Array.from({ length: 300 }, (_, i) => i % 2);
    const s = y.map((c) => Math.round((c + rng.normal()) * 4) / 4); // many ties
    const auc = rocAuc(s, y);
    expect(auc).toBeCloseTo(pairAuc(s, y), 12);
    const roc = rocCurve(s, y);
    let area = 0;
    for (let i = 1; i < roc.length; i++) area += ((roc[i].background_eff - roc[i - 1].background_eff) * (roc[i].signal_eff + roc[i - 1].signal_eff)) / 2;
    expect(area).toBeCloseTo(auc, 12);
    expect(roc.at(-1)).toEqual({ signal_eff: 1, background_eff: 1 });
  });

  it("rejection at a working point: closed form for Gaussian scores, capped when nothing passes", () => {
    // signal N(d, 1), background N(0, 1): at eps_S = 0.5 the cut is at d, eps_B = 1 - Phi(d)
    const rng = new HostRng(8);
    const n = 40000;
    const d = 1.5;
    const s: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      y.push(i % 2);
      s.push(rng.normal() + (i % 2) * d);
    }
    const m = detectorMetrics(s, y);
    const epsB = 0.0668072; // 1 - Phi(1.5)
    expect(m.rejection["0.5"] * epsB).toBeCloseTo(1, 1);
    expect(m.auc).toBeCloseTo(0.8556, 2); // Phi(d / sqrt 2)
    expect(rejectionAt(rocCurve([2, 3, 0, 1], [1, 1, 0, 0]), 0.9, 2)).toBe(2);
  });

  it("logistic regression recovers the weights of a logistic model", () => {
    const rng = new HostRng(1);
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 20000; i++) {
      const x = [rng.normal(), 2 * rng.normal() + 1];
      const t = 1.2 * x[0] - 0.5 * x[1] + 0.3;
      X.push(x);
      y.push(rng.uniform() < 1 / (1 + Math.exp(-t)) ? 1 : 0);
    }
    const m = fitLogistic(X, y, 0);
    const w = m.weights.map((v, j) => v / m.std[j]);
    expect(w[0]).toBeCloseTo(1.2, 1);
    expect(w[1]).toBeCloseTo(-0.5, 1);
    expect(logisticScore(m, [0, 0])).toBeCloseTo(0.3, 1);
  });
});

describe("detector experiment definition", () => {
  it("every method of the preset is a cell per seed; the NINR rows carry their chosen sigma", () => {
    const p = DETECTOR_PRESETS.smoke;
    const sigmas = p.seeds.flatMap((seed) => p.noises.flatMap((n) => n.phases.map((phase) => ({ noise: n.noise, phase, seed, sigma: 0.5, target_k: phase === "decay" ? 1 : 3, k: 1, converged: true }))));
    const cells = detectorCells(p, sigmas);
    expect(methodKeys(cells)).toEqual(["vanilla|none", "L2|none", "Dropout|none", "CDT|detector", "NINR decay|white", "NINR decay|detector"]);
    expect(cells.find((c) => c.noise === "detector" && c.method === "NINR decay")?.config).toMatchObject({ nin: "input", noise: "detector", sigma: 0.5, dataset: "calo" });
    expect(cells.find((c) => c.method === "CDT")?.config.dataset).toBe("calo-cdt");
    expect(() => detectorCells(p, [])).toThrow(/no sigma chosen/);
  });

  it("aggregates mean and spread over seeds and pairs the gaps per seed", () => {
    const ev = (seed: number, a: number, b: number): RunEval => ({ method: "vanilla", noise: "none", seed, nominal: { auc: a, rejection: { "0.5": 10, "0.8": 4, "0.9": 2 }, roc: [0.1] }, shifted: { auc: b, rejection: { "0.5": 5, "0.8": 2, "0.9": 1 }, roc: [0.2] } });
    const evals = [ev(0, 0.9, 0.85), ev(1, 0.92, 0.86)];
    const rows = aggregateDetector(evals, ["vanilla|none"]);
    expect(rows.map((r) => r.domain)).toEqual(["nominal", "shifted"]);
    expect(rows[0].auc_mean).toBeCloseTo(0.91, 12);
    expect(rows[0].auc_std).toBeCloseTo(Math.SQRT2 * 0.01, 12);
    expect(rows[1]["rejection_at_0.5"]).toBe(5);
    const g = detectorGaps(evals, ["vanilla|none"])[0];
    expect(g.auc_gap_mean).toBeCloseTo(0.055, 12);
    expect(g.rejection_ratio["0.8"].mean).toBeCloseTo(0.5, 12);
  });
});
