import { describe, expect, it } from "vitest";
import { caloConfig, NOMINAL, SHIFT } from "../../../src/data/calo/config.ts";
import { cellSigmas, generateCalo } from "../../../src/data/calo/generate.ts";
import { cellsFromImage, makeGeometry } from "../../../src/data/calo/geometry.ts";
import { PHYSICS } from "../../../src/data/calo/particles.ts";
import { allShowerShapes, SHAPE_NAMES } from "../../../src/data/calo/showerShapes.ts";
import { NinrError } from "../../../src/errors.ts";

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const std = (x: number[]) => {
  const m = mean(x);
  return Math.sqrt(x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1));
};
/** Mann-Whitney AUC: P(a > b). */
function auc(a: number[], b: number[]): number {
  let s = 0;
  for (const x of a) for (const y of b) s += x > y ? 1 : x === y ? 0.5 : 0;
  return s / (a.length * b.length);
}

/** Prompt photons of fixed energy E, no noise, no pile-up (odd indices are prompt). */
function photons(E: number, n: number, overrides = {}) {
  const s = generateCalo(caloConfig("nominal", { ptMin: E, ptMax: E * 1.0001, ...overrides }), { n: 2 * n, seed: 4, stream: `E${E}`, noise: false, pileup: false });
  const idx = [...Array(n).keys()].map((k) => 2 * k + 1);
  return { s, idx };
}

describe("synthetic calorimeter: energy response", () => {
  it("deposited active-medium energy is linear in the photon energy with slope = the sampling fraction", () => {
    const Es = [20, 50, 100, 200];
    const vis = Es.map((E) => {
      const { s, idx } = photons(E, 60);
      return mean(idx.map((i) => s.truth[i].photonVisible));
    });
    // least-squares line through (E, visible)
    const mE = mean(Es);
    const mV = mean(vis);
    const slope = Es.reduce((a, E, k) => a + (E - mE) * (vis[k] - mV), 0) / Es.reduce((a, E) => a + (E - mE) ** 2, 0);
    const intercept = mV - slope * mE;
    // slope: f_s times the ECAL containment (a few % leak behind 22 X0 into the HCAL, seen at f_s(HCAL))
    expect(slope / PHYSICS.samplingEcal).toBeGreaterThan(0.93);
    expect(slope / PHYSICS.samplingEcal).toBeLessThan(1.0);
    expect(Math.abs(intercept)).toBeLessThan(0.1 * PHYSICS.samplingEcal * 20); // leakage grows slowly with E
    // linear to 3%: what bends it is the longitudinal leakage behind the ECAL (0.9% at 20 GeV, 3.6% at 200)
    for (let k = 0; k < Es.length; k++) expect(Math.abs(vis[k] - (slope * Es[k] + intercept)) / vis[k]).toBeLessThan(0.03);
  });

  it("energy is conserved: the EM-scale deposit of a photon averages its energy (sum rule, 1%)", () => {
    for (const E of [20, 200]) {
      const { s, idx } = photons(E, 60);
      expect(mean(idx.map((i) => s.truth[i].photonDeposit)) / E).toBeCloseTo(1, 2);
    }
  });

  it("the calibrated image sum equals the deposit, and the resolution scales like 1/sqrt(E)", () => {
    const res = [20, 200].map((E) => {
      const { s, idx } = photons(E, 80);
      const D = 16 * 16 * 6;
      const sums = idx.map((i) => cellsFromImage(s.geometry, s.images, i * D, 1 / NOMINAL.energyUnit).reduce((a, b) => a + b, 0));
      // the window misses only the far r^-3 tail of GFlash's radial profile: the image holds 95-100% of the deposit
      idx.forEach((i, k) => expect(sums[k] / s.truth[i].photonDeposit).toBeGreaterThan(0.95));
      expect(mean(idx.map((i, k) => sums[k] / s.truth[i].photonDeposit))).toBeGreaterThan(0.97);
      idx.forEach((i, k) => expect(sums[k] / s.truth[i].photonDeposit).toBeLessThan(1.03)); // spot statistics fluctuate the total
      return std(sums) / mean(sums);
    });
    // stochastic term 10%/sqrt(E): ratio sqrt(10) = 3.2 (window leakage fluctuations add a little at both energies)
    expect(res[0] / res[1]).toBeGreaterThan(2.2);
    expect(res[0] / res[1]).toBeLessThan(4.2);
    expect(res[0]).toBeGreaterThan(0.6 * (PHYSICS.stochasticEm / Math.sqrt(20)));
  });
});

describe("synthetic calorimeter: noise, pile-up, determinism", () => {
  it("per-cell noise spread in empty cells equals the configured sigma (from the images, resampling inverted)", () => {
    const n = 300;
    const cfg = caloConfig("nominal", { noiseScale: 1.5 });
    const s = generateCalo(cfg, { n, seed: 2, particles: false, pileup: false });
    const g = makeGeometry(16);
    const sig = cellSigmas(cfg, g);
    const D = 16 * 16 * 6;
    for (const l of g.layers) {
      const vals: number[] = [];
      for (let i = 0; i < n; i++) {
        const cells = cellsFromImage(g, s.images, i * D, 1 / cfg.energyUnit);
        for (let k = 0; k < l.n * l.n; k++) vals.push(cells[l.offset + k]);
      }
      const sdExpected = sig[l.offset];
      expect(sdExpected).toBeCloseTo((l.spec.noiseMeV / 1000) * 1.5, 12);
      expect(std(vals) / sdExpected).toBeGreaterThan(0.93);
      expect(std(vals) / sdExpected).toBeLessThan(1.07);
      expect(Math.abs(mean(vals))).toBeLessThan((5 * sdExpected) / Math.sqrt(vals.length));
    }
  });

  it("noise and pile-up come from their own streams: switching them off leaves the showers as they were", () => {
    const cfg = caloConfig("nominal");
    const a = generateCalo(cfg, { n: 6, seed: 9 });
    const b = generateCalo(cfg, { n: 6, seed: 9, noise: false, pileup: false });
    expect(a.truth).toEqual(b.truth);
    const diff = a.images.map((v, i) => v - b.images[i]);
    expect(Math.max(...diff.map(Math.abs))).toBeGreaterThan(0);
  });

  it("is deterministic per seed and stream, and different across them", () => {
    const cfg = caloConfig("nominal");
    const a = generateCalo(cfg, { n: 8, seed: 1, stream: "train" });
    expect(generateCalo(cfg, { n: 8, seed: 1, stream: "train" }).images).toEqual(a.images);
    expect(generateCalo(cfg, { n: 8, seed: 2, stream: "train" }).images).not.toEqual(a.images);
    expect(generateCalo(cfg, { n: 8, seed: 1, stream: "test" }).images).not.toEqual(a.images);
    expect([...a.labels]).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it("pile-up energy grows with mu (linear in the mean number of clusters)", () => {
    const e = [2, 8].map((mu) => {
      const s = generateCalo(caloConfig("nominal", { pileupMu: mu }), { n: 400, seed: 3, particles: false, noise: false });
      return s.images.reduce((a, b) => a + b, 0) / 400;
    });
    expect(e[1] / e[0]).toBeGreaterThan(3.3);
    expect(e[1] / e[0]).toBeLessThan(4.8);
  });
});

describe("synthetic calorimeter: the shifted domain", () => {
  it("records and applies every configured difference", () => {
    const shifted = caloConfig("shifted");
    for (const [k, v] of Object.entries(SHIFT)) expect(shifted[k as keyof typeof shifted]).toBe(v);
    // calibration: the same showers, ECAL energies scaled by ecalScale exactly
    const base = generateCalo(caloConfig("nominal"), { n: 20, seed: 5, noise: false, pileup: false });
    const cal = generateCalo(caloConfig("nominal", { ecalScale: 0.97, hcalScale: 0.93 }), { n: 20, seed: 5, noise: false, pileup: false });
    const g = base.geometry;
    for (let i = 0; i < 20; i++)
      for (const l of g.layers)
        for (let k = 0; k < l.n * l.n; k++) {
          const j = i * g.nCells + l.offset + k;
          expect(cal.cells[j]).toBeCloseTo(base.cells[j] * (l.spec.kind === "ecal" ? 0.97 : 0.93), 9);
        }
    // noise: 1.3x; width: w_eta2 of isolated photons grows
    const ns = generateCalo(shifted, { n: 100, seed: 5, particles: false, pileup: false });
    const nn = generateCalo(caloConfig("nominal"), { n: 100, seed: 5, particles: false, pileup: false });
    expect(std([...ns.cells]) / std([...nn.cells])).toBeCloseTo(1.3, 6); // same normal draws, scaled
    const wide = photons(50, 150, { showerWidth: shifted.showerWidth });
    const narrow = photons(50, 150);
    const w = (p: ReturnType<typeof photons>) => mean(allShowerShapes(p.s.geometry, p.s.cells, p.s.labels.length).filter((_, i) => i % 2 === 1).map((x) => x.wEta2));
    expect(w(wide) / w(narrow)).toBeGreaterThan(1.02); // w_eta2 is dominated by the cell size: +12% R_M gives about +4%
  });
});

describe("synthetic calorimeter: shower shapes separate the classes in the expected direction", () => {
  it("fragmentation photons are wider, less isolated and more hadronic", () => {
    const s = generateCalo(caloConfig("nominal"), { n: 1200, seed: 8, stream: "shapes" });
    const sh = allShowerShapes(s.geometry, s.cells, 1200);
    const by = (k: (typeof SHAPE_NAMES)[number], c: number) => sh.filter((_, i) => s.labels[i] === c).map((x) => x[k]);
    // AUC = P(prompt > fragmentation)
    expect(auc(by("rEta", 1), by("rEta", 0))).toBeGreaterThan(0.6);
    expect(auc(by("rPhi", 1), by("rPhi", 0))).toBeGreaterThan(0.55);
    expect(auc(by("wEta2", 1), by("wEta2", 0))).toBeLessThan(0.5);
    expect(auc(by("rHad", 1), by("rHad", 0))).toBeLessThan(0.3);
  });
});

describe("synthetic calorimeter: bad configs", () => {
  it.each([
    [{ noiseScale: -1 }, /noiseScale.*-1/],
    [{ pileupMu: -0.5 }, /pileupMu.*-0\.5/],
    [{ windowCells: 17 }, /windowCells.*17/],
    [{ windowCells: 256 }, /windowCells.*256/],
    [{ ptMax: 10 }, /ptMax/],
  ])("%o is a NinrError naming the value", (o, re) => {
    expect(() => caloConfig("nominal", o)).toThrow(NinrError);
    expect(() => caloConfig("nominal", o)).toThrow(re);
  });
});
