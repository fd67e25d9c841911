/**
 * The standard photon shower shapes (ATLAS conventions, on this geometry; computed on calibrated
 * cells, i.e. noise and pile-up included as an analysis would see them):
 *   R_eta  = E(3 x 7) / E(7 x 7)     in ECAL2, eta x phi cells around the hottest ECAL2 cell
 *   R_phi  = E(3 x 3) / E(3 x 7)
 *   w_eta2 = sqrt(sum E_i eta_i^2 / sum E_i - (sum E_i eta_i / sum E_i)^2) over 3 x 5 ECAL2 cells (eta units)
 *   R_had  = E_T(HCAL) / E_T(ECAL) over the whole window (all candidates at eta = 0: E_T = E)
 * Fragmentation photons are expected wider (lower R_eta, R_phi; higher w_eta2) and more hadronic
 * (higher R_had). The hottest cell is searched within 2 cells of the window centre (the candidate's
 * position), not over the whole window, so a pile-up deposit cannot take its place.
 */
import type { Geometry } from "./geometry.ts";

export type ShowerShapes = { rEta: number; rPhi: number; wEta2: number; rHad: number };
export const SHAPE_NAMES: readonly (keyof ShowerShapes)[] = ["rEta", "rPhi", "wEta2", "rHad"];

function boxSum(cells: ArrayLike<number>, off: number, n: number, ci: number, cj: number, a: number, b: number): number {
  let s = 0;
  for (let i = Math.max(0, ci - (a - 1) / 2); i <= Math.min(n - 1, ci + (a - 1) / 2); i++)
    for (let j = Math.max(0, cj - (b - 1) / 2); j <= Math.min(n - 1, cj + (b - 1) / 2); j++) s += cells[off + i * n + j];
  return s;
}

/** Shower shapes of one event's calibrated cells (all layers concatenated, geometry order). */
export function showerShapes(g: Geometry, cells: ArrayLike<number>, cellsOffset = 0): ShowerShapes {
  const l2 = g.layers[1];
  const n = l2.n;
  const off = cellsOffset + l2.offset;
  const mid = n / 2;
  let ci = mid;
  let cj = mid;
  let best = -Infinity;
  for (let i = Math.max(0, mid - 2); i < Math.min(n, mid + 2); i++)
    for (let j = Math.max(0, mid - 2); j < Math.min(n, mid + 2); j++)
      if (cells[off + i * n + j] > best) {
        best = cells[off + i * n + j];
        ci = i;
        cj = j;
      }
  const e37 = boxSum(cells, off, n, ci, cj, 3, 7);
  const e77 = boxSum(cells, off, n, ci, cj, 7, 7);
  const e33 = boxSum(cells, off, n, ci, cj, 3, 3);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let i = Math.max(0, ci - 1); i <= Math.min(n - 1, ci + 1); i++) {
    const eta = (i - ci) * l2.spec.cell;
    for (let j = Math.max(0, cj - 2); j <= Math.min(n - 1, cj + 2); j++) {
      const e = cells[off + i * n + j];
      s0 += e;
      s1 += e * eta;
      s2 += e * eta * eta;
    }
  }
  let ecal = 0;
  let hcal = 0;
  for (const l of g.layers) {
    let s = 0;
    for (let k = 0; k < l.n * l.n; k++) s += cells[cellsOffset + l.offset + k];
    if (l.spec.kind === "ecal") ecal += s;
    else hcal += s;
  }
  const safe = (a: number, b: number) => (b > 1e-9 ? a / b : 0);
  return {
    rEta: safe(e37, e77),
    rPhi: safe(e33, e37),
    wEta2: s0 > 1e-9 ? Math.sqrt(Math.max(0, s2 / s0 - (s1 / s0) ** 2)) : 0,
    rHad: safe(hcal, ecal),
  };
}

/** Shower shapes of every event of a [n, nCells] cell array. */
export function allShowerShapes(g: Geometry, cells: Float64Array, n: number): ShowerShapes[] {
  return Array.from({ length: n }, (_, i) => showerShapes(g, cells, i * g.nCells));
}
