/**
 * Electromagnetic shower parametrisation of Grindhammer & Peters (hep-ex/0001020; GFlash), the
 * homogeneous-medium form with the coefficients Geant4's GFlash ships
 * (GVFlashHomoShowerTuning), applied to an effective Pb/LAr medium (docs/detector.md §2).
 *
 * Longitudinal: dE/dt = E f(t), f the gamma density with shape alpha and rate beta = (alpha-1)/T,
 * t in X0 from the conversion point; per shower (ln T, ln alpha) are drawn from a correlated
 * bivariate normal with
 *   <ln T>     = ln(ln y - 0.812),                    sigma(ln T)     = 1 / (-1.4 + 1.26 ln y)
 *   <ln alpha> = ln(0.81 + (0.458 + 2.26/Z) ln y),    sigma(ln alpha) = 1 / (-0.58 + 0.86 ln y)
 *   rho(ln T, ln alpha) = 0.705 - 0.023 ln y,         y = E / E_c.
 * Radial (r in Moliere radii, tau = depth in units of the shower maximum):
 *   f(r) = p 2 r R_C^2 / (r^2 + R_C^2)^2 + (1 - p) 2 r R_T^2 / (r^2 + R_T^2)^2
 *   R_C = z1 + z2 tau,  z1 = 0.0251 + 0.00319 ln E,  z2 = 0.1162 - 0.000381 Z
 *   R_T = k1 (exp(k3 (tau - k2)) + exp(k4 (tau - k2))),  k1 = 0.659 - 0.00309 Z, k2 = 0.645,
 *         k3 = -2.59, k4 = 0.3585 + 0.0421 ln E
 *   p = p1 exp((p2 - tau)/p3 - exp((p2 - tau)/p3)),  p1 = 2.632 - 0.00094 Z, p2 = 0.401 + 0.00187 Z,
 *       p3 = 1.313 - 0.0686 ln E                                        (E in GeV)
 * Spots: N_spot = 93 ln(Z) E^0.876, distributed along a gamma profile with T_spot = T (0.698 +
 * 0.00212 Z), alpha_spot = alpha (0.639 + 0.00334 Z); each carries E_layer / N_layer.
 * Photon conversion depth: t0 ~ Exp(mean 9/7 X0).
 */
import type { HostRng } from "../../engine/hostRng.ts";
import { gammaP } from "./gamma.ts";

/** The effective medium (ours: a Pb/LAr mixture; docs/detector.md lists the choice). */
export type EmMedium = { Z: number; ecGeV: number };

export type EmLongitudinal = { T: number; alpha: number; beta: number; spotT: number; spotAlpha: number; nSpot: number };

/** Mean, spread and correlation of (ln T, ln alpha) for energy E (GeV). */
export function longitudinalMoments(E: number, m: EmMedium) {
  const lny = Math.log(Math.max(E / m.ecGeV, 3)); // y >= 3 keeps ln(ln y - 0.812) defined for very soft showers
  return {
    meanLnT: Math.log(lny - 0.812),
    sigmaLnT: 1 / (-1.4 + 1.26 * lny),
    meanLnAlpha: Math.log(0.81 + (0.458 + 2.26 / m.Z) * lny),
    sigmaLnAlpha: 1 / (-0.58 + 0.86 * lny),
    rho: 0.705 - 0.023 * lny,
  };
}

/** One shower's longitudinal parameters (GFlash's correlated draw; two normals from rng). */
export function drawLongitudinal(E: number, m: EmMedium, rng: HostRng): EmLongitudinal {
  const mo = longitudinalMoments(E, m);
  // Sigmas can turn negative for y < ~3 (ln y < 1.1); soft showers then get no fluctuation.
  const sT = Math.max(0, mo.sigmaLnT);
  const sA = Math.max(0, mo.sigmaLnAlpha);
  const rho = Math.min(1, Math.max(-1, mo.rho));
  const c1 = Math.sqrt((1 + rho) / 2);
  const c2 = Math.sqrt((1 - rho) / 2);
  const z1 = rng.normal();
  const z2 = rng.normal();
  const T = Math.exp(mo.meanLnT + sT * (c1 * z1 + c2 * z2));
  const alpha = Math.max(1.05, Math.exp(mo.meanLnAlpha + sA * (c1 * z1 - c2 * z2)));
  const spotT = T * (0.698 + 0.00212 * m.Z);
  const spotAlpha = Math.max(1.05, alpha * (0.639 + 0.00334 * m.Z));
  return { T, alpha, beta: (alpha - 1) / T, spotT, spotAlpha, nSpot: 93 * Math.log(m.Z) * Math.pow(E, 0.876) };
}

/** Fraction of the profile between depths a and b (X0 after the start point; a, b may be < 0). */
export function profileFraction(alpha: number, beta: number, a: number, b: number): number {
  return gammaP(alpha, beta * Math.max(0, b)) - gammaP(alpha, beta * Math.max(0, a));
}

/** Energy-weighted mean depth of the profile between a and b (after the start point). */
export function profileMeanDepth(alpha: number, beta: number, a: number, b: number): number {
  const lo = Math.max(0, a);
  const hi = Math.max(lo, b);
  const w = gammaP(alpha, beta * hi) - gammaP(alpha, beta * lo);
  if (w < 1e-12) return 0.5 * (lo + hi);
  return ((alpha / beta) * (gammaP(alpha + 1, beta * hi) - gammaP(alpha + 1, beta * lo))) / w;
}

export type RadialProfile = { rCore: number; rTail: number; pCore: number };

/** GFlash's radial parameters at depth t (X0 after the start) for energy E (GeV), r in Moliere radii. */
export function radialProfile(E: number, t: number, lo: EmLongitudinal, m: EmMedium): RadialProfile {
  const lnE = Math.log(E);
  const meanAlpha = Math.exp(longitudinalMoments(E, m).meanLnAlpha);
  // GFlash's tau: depth over the shower maximum, rescaled to the mean profile's maximum.
  const tau = (t / lo.T) * ((lo.alpha - 1) / lo.alpha) * (meanAlpha / Math.max(meanAlpha - 1, 1e-3));
  const z1 = 0.0251 + 0.00319 * lnE;
  const z2 = 0.1162 - 0.000381 * m.Z;
  const rCore = Math.max(1e-3, z1 + z2 * tau);
  const k1 = 0.659 - 0.00309 * m.Z;
  const k4 = 0.3585 + 0.0421 * lnE;
  const rTail = Math.max(rCore, k1 * (Math.exp(-2.59 * (tau - 0.645)) + Math.exp(k4 * (tau - 0.645))));
  const p1 = 2.632 - 0.00094 * m.Z;
  const p2 = 0.401 + 0.00187 * m.Z;
  const p3 = 1.313 - 0.0686 * lnE;
  const q = (p2 - tau) / p3;
  const pCore = Math.min(1, Math.max(0, p1 * Math.exp(q - Math.exp(q))));
  return { rCore, rTail, pCore };
}

/** Fraction of a radial profile inside radius r (Moliere radii): closed form of the CDF. */
export function radialContainment(p: RadialProfile, r: number): number {
  const r2 = r * r;
  return p.pCore * (r2 / (r2 + p.rCore * p.rCore)) + (1 - p.pCore) * (r2 / (r2 + p.rTail * p.rTail));
}
