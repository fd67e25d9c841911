/**
 * The generator's configuration (one typed object, recorded in every file it writes) and the two
 * domains: "nominal" (what training sees) and "shifted" (a stand-in for real data: more pile-up,
 * more noise, a few % miscalibration, wider showers). Every value and where it comes from is in
 * docs/detector.md; COCOA's are the geometry and noise, the rest are ours.
 */
import { NinrError } from "../../errors.ts";
import { checkWindow } from "./geometry.ts";

export type CaloDomain = "nominal" | "shifted";
export const CALO_DOMAINS: readonly CaloDomain[] = ["nominal", "shifted"];

export type CaloConfig = {
  domain: CaloDomain;
  /** Window side in ECAL-2 cells (16 = 0.4 x 0.4 in eta, phi). */
  windowCells: number;
  /** Photon candidate pT spectrum dN/dpT ~ pT^-ptIndex on [ptMin, ptMax] GeV (all candidates at eta = 0, so E = pT). */
  ptMin: number;
  ptMax: number;
  ptIndex: number;
  /** Fragmentation photons carry z in [zMin, 1) of the parton momentum, D(z) ~ (1 + (1 - z)^2) / z. */
  zMin: number;
  /** Mean number of further jet particles: 1 + Poisson(jetMultiplicity * ln(1 + E_rest / 1 GeV)). */
  jetMultiplicity: number;
  /** Mean angular distance of the jet particles from the photon (exponential, cut at 0.4). */
  jetSpread: number;
  /** Multiplies every cell's electronic noise sigma (COCOA's values at 1). */
  noiseScale: number;
  /** Mean number of pile-up clusters over the window (plus a margin of 0.1 on each side). */
  pileupMu: number;
  /** Mean pT of one soft pile-up particle (GeV). */
  pileupPt: number;
  /** Energy calibration factors (1 = exact EM scale). */
  ecalScale: number;
  hcalScale: number;
  /** Multiplies the Moliere radius (material in front / shower width). */
  showerWidth: number;
  /** Image unit: pixel value = calibrated energy / energyUnit (GeV). */
  energyUnit: number;
};

export const NOMINAL: Readonly<CaloConfig> = {
  domain: "nominal",
  windowCells: 16,
  ptMin: 20,
  ptMax: 200,
  ptIndex: 3,
  zMin: 0.7,
  jetMultiplicity: 1.0,
  jetSpread: 0.1,
  noiseScale: 1,
  pileupMu: 2,
  pileupPt: 0.8,
  ecalScale: 1,
  hcalScale: 1,
  showerWidth: 1,
  energyUnit: 10,
};

/** What the shifted domain changes (ours: a plausible data/simulation difference). */
export const SHIFT: Readonly<Partial<CaloConfig>> = {
  domain: "shifted",
  noiseScale: 1.3,
  pileupMu: 6,
  ecalScale: 0.97,
  hcalScale: 0.93,
  showerWidth: 1.12,
};

/** The config of a domain, with overrides (validated). */
export function caloConfig(domain: CaloDomain = "nominal", overrides: Partial<CaloConfig> = {}): CaloConfig {
  if (!CALO_DOMAINS.includes(domain)) throw new NinrError(`calo domain must be nominal|shifted, got ${JSON.stringify(domain)}`);
  return checkCaloConfig({ ...NOMINAL, ...(domain === "shifted" ? SHIFT : {}), ...overrides, domain });
}

const RULES: { [K in keyof CaloConfig]?: { min: number; max: number; open?: boolean } } = {
  ptMin: { min: 1, max: 1e4 },
  ptMax: { min: 1, max: 1e4 },
  ptIndex: { min: 0, max: 20 },
  zMin: { min: 0.05, max: 0.99 },
  jetMultiplicity: { min: 0, max: 20 },
  jetSpread: { min: 0.001, max: 0.4 },
  noiseScale: { min: 0, max: 1000 },
  pileupMu: { min: 0, max: 500 },
  pileupPt: { min: 0.01, max: 100 },
  ecalScale: { min: 0.01, max: 100 },
  hcalScale: { min: 0.01, max: 100 },
  showerWidth: { min: 0.05, max: 20 },
  energyUnit: { min: 1e-6, max: 1e6 },
};

/** Validate a config read from anywhere (a file's metadata is untrusted): one NinrError naming the key. */
export function checkCaloConfig(c: Record<string, unknown>): CaloConfig {
  if (!c || typeof c !== "object") throw new NinrError("calo config must be an object");
  for (const k of Object.keys(c)) if (!Object.hasOwn(NOMINAL, k)) throw new NinrError(`unknown calo config key '${k.slice(0, 60)}'; known: ${Object.keys(NOMINAL).join(", ")}`);
  if (!CALO_DOMAINS.includes(c.domain as CaloDomain)) throw new NinrError(`calo domain must be nominal|shifted, got ${JSON.stringify(c.domain)}`);
  checkWindow(c.windowCells);
  for (const [k, r] of Object.entries(RULES)) {
    const v = c[k];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new NinrError(`calo ${k} must be a finite number, got ${JSON.stringify(v)}`);
    if (v < r.min || v > r.max) throw new NinrError(`calo ${k} must be in [${r.min}, ${r.max}]${k === "noiseScale" || k === "pileupMu" ? " (noise and pile-up cannot be negative)" : ""}, got ${v}`);
  }
  if ((c.ptMax as number) <= (c.ptMin as number)) throw new NinrError(`calo ptMax must exceed ptMin (${c.ptMin}), got ${c.ptMax}`);
  return c as CaloConfig;
}
