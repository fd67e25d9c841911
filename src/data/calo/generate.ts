/**
 * The generator's entry point (pure, seeded, browser-safe): n events of balanced classes
 * (even index fragmentation = 0, odd prompt = 1) as NHWC images [n, H, W, 6] of calibrated
 * energy / energyUnit, plus labels and per-event truth.
 *
 * Randomness: event i of stream `stream` draws its particles, its pile-up and its electronic noise
 * from four separate HostRng streams, streamSeed(seed, `calo/<stream>/<i>/{event,shower,pileup,noise}`),
 * so switching noise or pile-up off (or changing mu) never changes the showers, a shower-width
 * change never changes the kinematics, and the nominal and
 * shifted domains of one stream hold the same underlying events (a paired comparison).
 */
import { streamSeed } from "../../engine/keys.ts";
import { HostRng } from "../../engine/hostRng.ts";
import { type CaloConfig, checkCaloConfig } from "./config.ts";
import { type EventTruth, depositEvent } from "./events.ts";
import { type Geometry, cellsToImage, makeGeometry } from "./geometry.ts";
import { type DepositCtx, pileup } from "./particles.ts";

export type GenerateOptions = {
  n: number;
  seed: number;
  /** Name of the event stream ("train", "test", ...): different streams, independent events. */
  stream?: string;
  /** Switch parts off (tests): electronic noise, pile-up, the particles themselves. */
  noise?: boolean;
  pileup?: boolean;
  particles?: boolean;
};

export type CaloSample = {
  config: CaloConfig;
  geometry: Geometry;
  /** [n, H, W, C] row-major. */
  images: Float32Array;
  labels: Uint8Array;
  truth: EventTruth[];
  /** The calibrated cells (all layers concatenated) of every event, [n, nCells] (noise included). */
  cells: Float64Array;
};

/** Per-cell electronic noise sigma (GeV, calibrated EM scale) of every cell, in cell order. */
export function cellSigmas(cfg: CaloConfig, g: Geometry): Float64Array {
  const s = new Float64Array(g.nCells);
  for (const l of g.layers) s.fill((l.spec.noiseMeV / 1000) * cfg.noiseScale, l.offset, l.offset + l.n * l.n);
  return s;
}

/** Detector noise of one event into calibrated cells: pile-up (calibrated like any deposit) plus electronic noise. */
export function addNoiseAndPileup(cfg: CaloConfig, g: Geometry, cells: Float64Array, sigmas: Float64Array, rngPileup: HostRng | null, rngNoise: HostRng | null): void {
  if (rngPileup) {
    const pu = new Float64Array(g.nCells);
    pileup({ g, cfg, cells: pu }, rngPileup);
    calibrate(cfg, g, pu);
    for (let i = 0; i < g.nCells; i++) cells[i] += pu[i];
  }
  if (rngNoise) for (let i = 0; i < g.nCells; i++) cells[i] += sigmas[i] * rngNoise.normal();
}

function calibrate(cfg: CaloConfig, g: Geometry, cells: Float64Array): void {
  for (const l of g.layers) {
    const f = l.spec.kind === "ecal" ? cfg.ecalScale : cfg.hcalScale;
    for (let i = l.offset; i < l.offset + l.n * l.n; i++) cells[i] *= f;
  }
}

export function generateCalo(config: CaloConfig, opts: GenerateOptions): CaloSample {
  const cfg = checkCaloConfig({ ...config });
  const g = makeGeometry(cfg.windowCells);
  const n = opts.n;
  const stream = opts.stream ?? "events";
  const D = g.windowCells * g.windowCells * g.layers.length;
  const images = new Float32Array(n * D);
  const labels = new Uint8Array(n);
  const allCells = new Float64Array(n * g.nCells);
  const truth: EventTruth[] = [];
  const sigmas = cellSigmas(cfg, g);
  for (let i = 0; i < n; i++) {
    const cells = allCells.subarray(i * g.nCells, (i + 1) * g.nCells);
    const ctx: DepositCtx = { g, cfg, cells };
    const label = i % 2;
    labels[i] = label;
    const tag = `calo/${stream}/${i}`;
    if (opts.particles !== false) truth.push(depositEvent(ctx, label, new HostRng(streamSeed(opts.seed, `${tag}/event`)), new HostRng(streamSeed(opts.seed, `${tag}/shower`))));
    else truth.push({ label, pt: 0, z: 1, nJet: 0, photonDeposit: 0, photonVisible: 0, jetEnergy: 0 });
    calibrate(cfg, g, cells);
    addNoiseAndPileup(
      cfg,
      g,
      cells,
      sigmas,
      opts.pileup === false ? null : new HostRng(streamSeed(opts.seed, `${tag}/pileup`)),
      opts.noise === false ? null : new HostRng(streamSeed(opts.seed, `${tag}/noise`)),
    );
    cellsToImage(g, cells, images, i * D, 1 / cfg.energyUnit);
  }
  return { config: cfg, geometry: g, images, labels, truth, cells: allCells };
}

/**
 * CDT for the detector: add one fresh detector-noise realisation (pile-up + electronic noise of
 * `cfg`) to each of n images in place, from stream `calo/<stream>/<i>/{pileup,noise}` of `seed`.
 */
export function addDetectorNoiseToImages(cfg: CaloConfig, images: Float32Array, n: number, seed: number, stream: string): void {
  const g = makeGeometry(cfg.windowCells);
  const D = g.windowCells * g.windowCells * g.layers.length;
  const sigmas = cellSigmas(cfg, g);
  const tmp = new Float32Array(D);
  for (let i = 0; i < n; i++) {
    const cells = new Float64Array(g.nCells);
    addNoiseAndPileup(cfg, g, cells, sigmas, new HostRng(streamSeed(seed, `calo/${stream}/${i}/pileup`)), new HostRng(streamSeed(seed, `calo/${stream}/${i}/noise`)));
    cellsToImage(g, cells, tmp, 0, 1 / cfg.energyUnit);
    for (let j = 0; j < D; j++) images[i * D + j] += tmp[j];
  }
}

const gainCache = new Map<string, Float64Array>();
/** Reference events the channel gains are measured on (stream "gains", seed 0). */
export const GAIN_EVENTS = 2000;

/**
 * Per-channel gains of the ML view (the Dataset): g_c = 1 / RMS of channel c's pixels over
 * GAIN_EVENTS reference events of `cfg` (stream "gains", seed 0; memoised). The generator's
 * energies span two orders of magnitude between channels (ECAL2 holds most of a photon), and
 * neither network learned on the raw scale (docs/detector.md §6); a fixed linear gain keeps
 * additive noise additive, so detector noise and CDT act on the standardised images exactly.
 */
export function channelGains(cfg: CaloConfig): Float64Array {
  const key = JSON.stringify(cfg);
  const have = gainCache.get(key);
  if (have) return have;
  const s = generateCalo(cfg, { n: GAIN_EVENTS, seed: 0, stream: "gains" });
  const C = s.geometry.layers.length;
  const sq = new Float64Array(C);
  for (let i = 0; i < s.images.length; i++) sq[i % C] += s.images[i] * s.images[i];
  const g = sq.map((v) => 1 / Math.sqrt(v / (s.images.length / C)));
  gainCache.set(key, g);
  return g;
}

/** Multiply every pixel of NHWC images by its channel's gain, in place. */
export function applyGains(images: Float32Array, gains: ArrayLike<number>): void {
  const C = gains.length;
  for (let i = 0; i < images.length; i++) images[i] *= gains[i % C];
}
