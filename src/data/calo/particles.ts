/**
 * What each particle leaves in the synthetic calorimeter (pure; energies in GeV at the EM scale,
 * before calibration and electronic noise). Photons shower after GFlash (gflash.ts); hadrons are
 * minimum-ionising until their first nuclear interaction and then shower with a gamma profile in
 * interaction lengths, at a reduced (non-compensating) response; pile-up particles are soft
 * Gaussian blobs with a fixed longitudinal sharing. Constants marked "ours" are documented in
 * docs/detector.md §3-§5.
 */
import type { HostRng } from "../../engine/hostRng.ts";
import type { CaloConfig } from "./config.ts";
import { ECAL_LAMBDA, ECAL_X0, type Geometry } from "./geometry.ts";
import { type EmMedium, drawLongitudinal, profileFraction, profileMeanDepth, radialProfile } from "./gflash.ts";
import { addGaussian, addWithSpots, cauchyFractions, cellAt } from "./lateral.ts";

export const PHYSICS = {
  /** Effective Pb/LAr medium for GFlash (ours). */
  medium: { Z: 55, ecGeV: 0.011 } as EmMedium,
  /** Moliere radius 4.0 cm at the ECAL's inner radius of 150 cm, in eta units (ours). */
  moliereEta: 4.0 / 150,
  /** Sampling fractions (visible / deposited; ours, LAr- and scintillator-like). */
  samplingEcal: 0.18,
  samplingHcal: 0.025,
  /** Stochastic terms a / sqrt(E): sampling fluctuations of the layer energies (ours). */
  stochasticEm: 0.1,
  stochasticHad: 0.5,
  /** MIP energy at the EM scale per X0 of ECAL and per lambda of HCAL, GeV (ours), Landau (Moyal) width. */
  mipPerX0: 0.015,
  mipPerLambda: 0.2,
  mipWidth: 0.12,
  /** Hadronic shower: gamma profile in lambda from the interaction point, lateral Cauchy radius in eta, h/e. */
  hadAlpha: 2.0,
  hadBeta: 1.2,
  hadRadiusEta: 0.04,
  hadHOverE: 0.6,
  /** Energy of one hadronic "spot" (clumpiness of hadronic deposits), GeV (ours). */
  hadSpot: 0.1,
  /** Pile-up blobs: lateral Gaussian width and the longitudinal sharing of photon-like and hadron-like deposits. */
  pileupWidth: 0.02,
  pileupEm: [0.3, 0.65, 0.05, 0, 0, 0],
  pileupHad: [0.05, 0.15, 0.05, 0.45, 0.3, 0],
  pi0Mass: 0.135,
};

const TOTAL_LAMBDA = ECAL_LAMBDA + 7.4;

/**
 * Where deposits go. `cells` hold EM-scale energy (visible / sampling fraction); `visible`
 * accumulates the energy seen by the active medium (LAr, scintillator), f_s times the deposit.
 */
export type DepositCtx = { g: Geometry; cfg: CaloConfig; cells: Float64Array; visible?: number };

function addVisible(ctx: DepositCtx, kind: "ecal" | "hcal", e: number): void {
  ctx.visible = (ctx.visible ?? 0) + e * (kind === "ecal" ? PHYSICS.samplingEcal : PHYSICS.samplingHcal);
}

const wCore = new Float64Array(240 * 240);
const wTail = new Float64Array(240 * 240);

/** A photon of energy E at (x, y) (eta, phi relative to the window centre). Returns the EM-scale energy deposited. */
export function photonShower(ctx: DepositCtx, E: number, x: number, y: number, rng: HostRng): number {
  const { g, cfg, cells } = ctx;
  const m = PHYSICS.medium;
  const t0 = -(9 / 7) * Math.log(1 - rng.uniform()); // conversion depth, X0
  const lo = drawLongitudinal(E, m, rng);
  const spotBeta = (lo.spotAlpha - 1) / lo.spotT;
  const R = PHYSICS.moliereEta * cfg.showerWidth;
  let deposited = 0;
  for (let l = 0; l < 3; l++) {
    const layer = g.layers[l];
    const [a, b] = layer.spec.depth;
    const El = E * profileFraction(lo.alpha, lo.beta, a - t0, b - t0);
    if (El < 1e-4) continue;
    const Em = Math.max(0, El + PHYSICS.stochasticEm * Math.sqrt(El) * rng.normal());
    const rp = radialProfile(E, profileMeanDepth(lo.alpha, lo.beta, a - t0, b - t0), lo, m);
    const grid = { n: layer.n, cell: layer.spec.cell, offset: layer.offset };
    cauchyFractions(grid, g.side, x, y, rp.rCore * R, wCore, Math.max(3, Math.ceil((8 * rp.rCore * R) / layer.spec.cell)));
    cauchyFractions(grid, g.side, x, y, rp.rTail * R, wTail);
    const nn = layer.n * layer.n;
    for (let i = 0; i < nn; i++) wCore[i] = rp.pCore * wCore[i] + (1 - rp.pCore) * wTail[i];
    const nSpots = Math.max(1, lo.nSpot * profileFraction(lo.spotAlpha, spotBeta, a - t0, b - t0));
    addWithSpots(cells, grid, wCore, Em, Em / nSpots, rng);
    addVisible(ctx, "ecal", Em);
    deposited += Em;
  }
  // Longitudinal leakage beyond the ECAL lands in HCAL1 (iron: a narrow core at this granularity).
  const leak = E * profileFraction(lo.alpha, lo.beta, ECAL_X0 - t0, 1e9);
  if (leak > 1e-4) {
    const h = g.layers[3];
    const c = cellAt({ n: h.n, cell: h.spec.cell, offset: h.offset }, g.side, x, y);
    if (c >= 0) {
      cells[c] += leak;
      addVisible(ctx, "hcal", leak);
      deposited += leak;
    }
  }
  return deposited;
}

/** Moyal-distributed (Landau-like) factor around 1 for MIP deposits. */
function landauFactor(rng: HostRng): number {
  let z = 0;
  while (z === 0) z = rng.normal();
  return Math.max(0.2, Math.min(6, 1 + PHYSICS.mipWidth * -Math.log(z * z)));
}

/** Depth range of layer l in interaction lengths from the ECAL front. */
function lambdaRange(g: Geometry, l: number): [number, number] {
  const s = g.layers[l].spec;
  return s.kind === "ecal" ? [(s.depth[0] / ECAL_X0) * ECAL_LAMBDA, (s.depth[1] / ECAL_X0) * ECAL_LAMBDA] : [s.depth[0], s.depth[1]];
}

/**
 * A hadron of energy E at (x, y): charged ones ionise (MIP) up to their first interaction at
 * depth ~ Exp(1 lambda); then a hadronic shower of response E (f_em + (1 - f_em) h/e), f_em = 1 - E^-0.18
 * (Groom's power law). Neutral hadrons only shower.
 */
export function hadron(ctx: DepositCtx, E: number, x: number, y: number, charged: boolean, rng: HostRng): number {
  const { g, cells } = ctx;
  const tInt = -Math.log(1 - rng.uniform());
  let deposited = 0;
  if (charged)
    for (let l = 0; l < g.layers.length; l++) {
      const [a, b] = lambdaRange(g, l);
      const len = Math.min(b, tInt) - a;
      if (len <= 0) break;
      const layer = g.layers[l];
      const c = cellAt({ n: layer.n, cell: layer.spec.cell, offset: layer.offset }, g.side, x, y);
      const perLambda = layer.spec.kind === "ecal" ? PHYSICS.mipPerX0 * (ECAL_X0 / ECAL_LAMBDA) : PHYSICS.mipPerLambda;
      const e = Math.min(E, perLambda * len * landauFactor(rng));
      if (c >= 0) cells[c] += e;
      addVisible(ctx, layer.spec.kind, e);
      deposited += e;
    }
  if (tInt >= TOTAL_LAMBDA) return deposited;
  const fem = Math.max(0, 1 - Math.pow(Math.max(E, 1), -0.18));
  const Er = E * (fem + (1 - fem) * PHYSICS.hadHOverE);
  for (let l = 0; l < g.layers.length; l++) {
    const [a, b] = lambdaRange(g, l);
    const El = Er * profileFraction(PHYSICS.hadAlpha, PHYSICS.hadBeta, a - tInt, b - tInt);
    if (El < 1e-3) continue;
    const Em = Math.max(0, El + PHYSICS.stochasticHad * Math.sqrt(El) * rng.normal());
    const layer = g.layers[l];
    const grid = { n: layer.n, cell: layer.spec.cell, offset: layer.offset };
    cauchyFractions(grid, g.side, x, y, PHYSICS.hadRadiusEta, wCore);
    addWithSpots(cells, grid, wCore, Em, PHYSICS.hadSpot, rng);
    addVisible(ctx, layer.spec.kind, Em);
    deposited += Em;
  }
  return deposited;
}

/** A pi0 of energy E at (x, y) decaying to two photons: energy share x ~ U(0, 1), opening angle m / (E sqrt(x (1 - x))). */
export function pi0(ctx: DepositCtx, E: number, x: number, y: number, rng: HostRng): number {
  const share = Math.min(0.999, Math.max(0.001, rng.uniform()));
  const theta = PHYSICS.pi0Mass / (E * Math.sqrt(share * (1 - share)));
  const psi = 2 * Math.PI * rng.uniform();
  const dx = Math.cos(psi) * theta;
  const dy = Math.sin(psi) * theta;
  let dep = 0;
  if (share * E > 0.05) dep += photonShower(ctx, share * E, x + (1 - share) * dx, y + (1 - share) * dy, rng);
  if ((1 - share) * E > 0.05) dep += photonShower(ctx, (1 - share) * E, x - share * dx, y - share * dy, rng);
  return dep;
}

/**
 * Pile-up: a Poisson(mu) number of clusters placed uniformly over the window plus a 0.1 margin,
 * each of 1 + Poisson(1.5) soft particles (pT ~ Exp(pileupPt)) scattered by N(0, 0.03) around it;
 * a third photon-like, the rest hadron-like, each a Gaussian blob.
 */
export function pileup(ctx: DepositCtx, rng: HostRng): number {
  const { g, cfg, cells } = ctx;
  const half = g.side / 2 + 0.1;
  const nClusters = rng.poisson(cfg.pileupMu);
  let dep = 0;
  for (let k = 0; k < nClusters; k++) {
    const cx = (2 * rng.uniform() - 1) * half;
    const cy = (2 * rng.uniform() - 1) * half;
    const nPart = 1 + rng.poisson(1.5);
    for (let p = 0; p < nPart; p++) {
      const x = cx + 0.03 * rng.normal();
      const y = cy + 0.03 * rng.normal();
      const e = -cfg.pileupPt * Math.log(1 - rng.uniform());
      const sharing = rng.uniform() < 1 / 3 ? PHYSICS.pileupEm : PHYSICS.pileupHad;
      for (let l = 0; l < g.layers.length; l++) {
        if (sharing[l] === 0) continue;
        const layer = g.layers[l];
        addGaussian(cells, { n: layer.n, cell: layer.spec.cell, offset: layer.offset }, g.side, x, y, PHYSICS.pileupWidth, e * sharing[l]);
      }
      dep += e;
    }
  }
  return dep;
}
