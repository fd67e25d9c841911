/**
 * The two classes of photon candidates (pure, seeded):
 *   prompt (label 1, signal): an isolated photon, pT ~ pT^-n on [ptMin, ptMax];
 *   fragmentation (label 0, background): a photon of the same pT spectrum that carries a fraction
 *     z of its parton's momentum, z ~ D(z) = (1 + (1 - z)^2) / z on [zMin, 1) (the LO q -> gamma
 *     splitting function; zMin stands in for the candidate selection), accompanied within
 *     Delta R < 0.4 by the rest of the jet, E_rest = pT (1 - z) / z, shared (flat Dirichlet) among
 *     1 + Poisson(m ln(1 + E_rest)) particles: 30% pi0 -> gamma gamma, 55% charged and 15% neutral
 *     hadrons (ours).
 * Candidates sit at eta = 0 (E = pT), displaced uniformly within one ECAL-2 cell of the window centre.
 */
import type { HostRng } from "../../engine/hostRng.ts";
import type { CaloConfig } from "./config.ts";
import { FINE_CELL } from "./geometry.ts";
import { type DepositCtx, hadron, photonShower, pi0 } from "./particles.ts";

/** pt: the candidate's pT (= E); photonDeposit / photonVisible: its EM-scale and active-medium deposits. */
export type EventTruth = { label: number; pt: number; z: number; nJet: number; photonDeposit: number; photonVisible: number; jetEnergy: number };

/** pT from dN/dpT ~ pT^-n on [lo, hi] by inverting the CDF. */
export function drawPt(cfg: CaloConfig, rng: HostRng): number {
  const u = rng.uniform();
  const { ptMin: lo, ptMax: hi, ptIndex: n } = cfg;
  if (Math.abs(n - 1) < 1e-9) return lo * Math.pow(hi / lo, u);
  const a = Math.pow(lo, 1 - n);
  const b = Math.pow(hi, 1 - n);
  return Math.pow(a + u * (b - a), 1 / (1 - n));
}

/** z from D(z) ~ (1 + (1 - z)^2) / z on [zMin, 1): proposal 1/z, accepted with probability (1 + (1 - z)^2) / 2. */
export function drawZ(zMin: number, rng: HostRng): number {
  for (;;) {
    const z = Math.pow(zMin, 1 - rng.uniform());
    if (rng.uniform() * 2 < 1 + (1 - z) * (1 - z)) return Math.min(z, 1 - 1e-9);
  }
}

/**
 * Deposit one event's particles (not pile-up, not noise) into ctx.cells. `rng` draws the
 * kinematics, `showerRng` the shower fluctuations, so a change of shower width or noise that
 * alters how many fluctuation draws a shower takes leaves the event's particles as they were.
 */
export function depositEvent(ctx: DepositCtx, label: number, rng: HostRng, showerRng: HostRng): EventTruth {
  const cfg = ctx.cfg;
  const pt = drawPt(cfg, rng);
  const x0 = (rng.uniform() - 0.5) * FINE_CELL;
  const y0 = (rng.uniform() - 0.5) * FINE_CELL;
  ctx.visible = 0;
  const photonDeposit = photonShower(ctx, pt, x0, y0, showerRng);
  const photonVisible = ctx.visible;
  if (label === 1) return { label, pt, z: 1, nJet: 0, photonDeposit, photonVisible, jetEnergy: 0 };
  const z = drawZ(cfg.zMin, rng);
  const rest = (pt * (1 - z)) / z;
  const nJet = 1 + rng.poisson(cfg.jetMultiplicity * Math.log(1 + rest));
  const shares = new Float64Array(nJet);
  let sum = 0;
  for (let k = 0; k < nJet; k++) sum += shares[k] = -Math.log(1 - rng.uniform());
  for (let k = 0; k < nJet; k++) {
    const E = (rest * shares[k]) / sum;
    let r: number;
    do r = -cfg.jetSpread * Math.log(1 - rng.uniform());
    while (r > 0.4);
    const psi = 2 * Math.PI * rng.uniform();
    const x = x0 + r * Math.cos(psi);
    const y = y0 + r * Math.sin(psi);
    const kind = rng.uniform();
    if (E < 0.05) continue;
    if (kind < 0.3) pi0(ctx, E, x, y, showerRng);
    else hadron(ctx, E, x, y, kind < 0.85, showerRng);
  }
  return { label, pt, z, nJet, photonDeposit, photonVisible, jetEnergy: rest };
}
