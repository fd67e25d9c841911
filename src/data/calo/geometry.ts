/**
 * The synthetic calorimeter's geometry, after COCOA's default detector (arXiv:2303.02101;
 * cocoa-hep config_default.json, as summarised in issue 12): an ECAL of three lead/liquid-argon
 * layers (4, 16, 2 X0) with cells of 0.025 x 0.025 in (eta, phi) in layers 1-2 and 0.05 x 0.05 in
 * layer 3, and an HCAL of three iron/scintillator layers (1.5, 4.1, 1.8 lambda) with cells of
 * 0.1 x 0.1 (0.2 x 0.2 in layer 3). Per-cell electronic noise sigma 13, 34, 41 MeV (ECAL) and
 * 75, 50, 25 MeV (HCAL).
 *
 * Images: a square window of `windowCells` ECAL-2 cells (16 = 0.4 x 0.4) centred on the photon
 * candidate. The six layers are stacked as channels at the finest resolution (one NHWC image
 * [H, W, 6], what the registered CNN/ResNet models take) by nearest-neighbour upsampling: each of
 * the k x k pixels of a coarse cell carries the cell's energy. Values stay cell energies (a 3 GeV
 * HCAL cell reads 3 GeV, not 3/16 GeV per pixel: the channels keep comparable scales, which the
 * networks need to learn at all), no detail is invented, and the cells are recovered exactly
 * (`cellsFromImage` averages each block). Sums over the image count a coarse cell k^2 times, so
 * energies are always summed over cells. A cell's noise is one value over its k x k block.
 */
import { NinrError } from "../../errors.ts";

export type LayerSpec = {
  name: string;
  kind: "ecal" | "hcal";
  /** Cell size in eta and phi. */
  cell: number;
  /** Depth range: X0 from the ECAL front (ecal), nuclear interaction lengths from the ECAL front (hcal). */
  depth: [number, number];
  /** Electronic noise per cell, MeV (COCOA's values). */
  noiseMeV: number;
};

/** COCOA's default layers; depths of the HCAL counted in lambda from the ECAL front (ECAL = ECAL_LAMBDA). */
export const ECAL_LAMBDA = 0.8; // ours: 22 X0 of Pb/LAr is about 0.8 interaction lengths
export const LAYERS: readonly LayerSpec[] = [
  { name: "ECAL1", kind: "ecal", cell: 0.025, depth: [0, 4], noiseMeV: 13 },
  { name: "ECAL2", kind: "ecal", cell: 0.025, depth: [4, 20], noiseMeV: 34 },
  { name: "ECAL3", kind: "ecal", cell: 0.05, depth: [20, 22], noiseMeV: 41 },
  { name: "HCAL1", kind: "hcal", cell: 0.1, depth: [ECAL_LAMBDA, ECAL_LAMBDA + 1.5], noiseMeV: 75 },
  { name: "HCAL2", kind: "hcal", cell: 0.1, depth: [ECAL_LAMBDA + 1.5, ECAL_LAMBDA + 5.6], noiseMeV: 50 },
  { name: "HCAL3", kind: "hcal", cell: 0.2, depth: [ECAL_LAMBDA + 5.6, ECAL_LAMBDA + 7.4], noiseMeV: 25 },
];
export const ECAL_X0 = 22;
/** The finest cell (ECAL 1-2): the image's pixel. */
export const FINE_CELL = 0.025;
/** COCOA's calorimeter covers |eta| < 3 (ours: taken as the largest window side, 240 fine cells). */
export const MAX_WINDOW_CELLS = Math.round(6 / FINE_CELL);
/** Fine cells per coarsest cell (HCAL3: 0.2 / 0.025). A window must be a whole number of these. */
export const COARSEST_RATIO = Math.round(0.2 / FINE_CELL);

export type Geometry = {
  windowCells: number;
  /** Window side in eta (= phi) units. */
  side: number;
  layers: { spec: LayerSpec; n: number; ratio: number; offset: number }[];
  /** Total number of cells over all layers (cell arrays are concatenated in layer order). */
  nCells: number;
};

export function checkWindow(windowCells: unknown): number {
  if (typeof windowCells !== "number" || !Number.isInteger(windowCells) || windowCells < COARSEST_RATIO || windowCells > MAX_WINDOW_CELLS || windowCells % COARSEST_RATIO !== 0)
    throw new NinrError(`calo windowCells must be a multiple of ${COARSEST_RATIO} fine cells (one HCAL-3 cell) from ${COARSEST_RATIO} to ${MAX_WINDOW_CELLS} (the geometry's |eta| < 3), got ${String(windowCells)}`);
  return windowCells;
}

export function makeGeometry(windowCells: number): Geometry {
  checkWindow(windowCells);
  let offset = 0;
  const layers = LAYERS.map((spec) => {
    const ratio = Math.round(spec.cell / FINE_CELL);
    const n = windowCells / ratio;
    const l = { spec, n, ratio, offset };
    offset += n * n;
    return l;
  });
  return { windowCells, side: windowCells * FINE_CELL, layers, nCells: offset };
}

/** Image shape [H, W, C] of a geometry. */
export function imageShapeOf(g: Geometry): [number, number, number] {
  return [g.windowCells, g.windowCells, g.layers.length];
}

/**
 * Resample concatenated cells (layer l: n_l x n_l, row = eta index, column = phi index) into the
 * image [H, W, C] at `out[offset..]`: every pixel of a coarse cell takes its value, times `scale`.
 */
export function cellsToImage(g: Geometry, cells: ArrayLike<number>, out: Float32Array, outOffset: number, scale: number): void {
  const W = g.windowCells;
  const C = g.layers.length;
  for (let c = 0; c < C; c++) {
    const { n, ratio, offset } = g.layers[c];
    const f = scale;
    for (let i = 0; i < W; i++) {
      const ci = Math.floor(i / ratio);
      for (let j = 0; j < W; j++) out[outOffset + (i * W + j) * C + c] = cells[offset + ci * n + Math.floor(j / ratio)] * f;
    }
  }
}

/** The inverse of `cellsToImage` (averages each coarse cell's k x k pixels; divides by `scale`). */
export function cellsFromImage(g: Geometry, image: ArrayLike<number>, imageOffset: number, scale: number): Float64Array {
  const W = g.windowCells;
  const C = g.layers.length;
  const cells = new Float64Array(g.nCells);
  for (let c = 0; c < C; c++) {
    const { n, ratio, offset } = g.layers[c];
    const f = 1 / (scale * ratio * ratio);
    for (let i = 0; i < W; i++)
      for (let j = 0; j < W; j++) cells[offset + Math.floor(i / ratio) * n + Math.floor(j / ratio)] += image[imageOffset + (i * W + j) * C + c] * f;
  }
  return cells;
}
