/**
 * The playground's whole state as URL query parameters, and back. Parsing never trusts the URL:
 * every value is checked against its field (range, integer, allowed words); a bad or
 * out-of-range one becomes the nearest valid setting (numbers clamped, garbage -> the default)
 * and a notice says what was changed. Unknown keys are dropped with a notice. Nothing here is
 * executed or turned into HTML: the page shows notices with textContent only.
 */
/** none, in-NINR (input), a NIN before the logit layer only (the MLP's last site), full-NINR (all). */
export const PLACEMENTS = ["none", "input", "logit", "all"] as const;
export const NOISE_KINDS = ["gaussian", "uniform"] as const;
export const PRESET_NAMES = ["decoupled", "decay", "catapult", "divergent"] as const;
export const THETA_INITS = ["default", "normal"] as const;

export type Placement = (typeof PLACEMENTS)[number];
export type NoiseKind = (typeof NOISE_KINDS)[number];
export type PresetName = (typeof PRESET_NAMES)[number];
export type ThetaInit = (typeof THETA_INITS)[number];

export type Settings = {
  /** NIN noise scale sigma (log slider). */
  sigma: number;
  /** Learning rate eta. */
  eta: number;
  placement: Placement;
  noise: NoiseKind;
  /** NIW initialisation: the toolkit's default (like the layer's weights), or N(0, thetaScale^2). */
  thetaInit: ThetaInit;
  thetaScale: number;
  seed: number;
  /** SGD steps the run takes. */
  steps: number;
  /** Test-noise strength s of x + N(0, s^2) for the image grid. */
  testNoise: number;
  /** The preset the settings came from (a label; with no sigma in the URL it is applied on load). */
  preset: PresetName | null;
};

type NumField = { kind: "number"; min: number; max: number; integer?: boolean; default: number };
type WordField<T extends string> = { kind: "word"; values: readonly T[]; default: T | null; optional?: boolean };

/** Every URL key, its range and default, in the order links write them. */
export const FIELDS = {
  sigma: { kind: "number", min: 1e-3, max: 1e4, default: 1 } as NumField,
  eta: { kind: "number", min: 1e-4, max: 2, default: 0.05 } as NumField,
  placement: { kind: "word", values: PLACEMENTS, default: "input" } as WordField<Placement>,
  noise: { kind: "word", values: NOISE_KINDS, default: "gaussian" } as WordField<NoiseKind>,
  thetaInit: { kind: "word", values: THETA_INITS, default: "default" } as WordField<ThetaInit>,
  thetaScale: { kind: "number", min: 1e-3, max: 10, default: 0.3 } as NumField,
  seed: { kind: "number", min: 0, max: 2 ** 31 - 1, integer: true, default: 0 } as NumField,
  steps: { kind: "number", min: 20, max: 2000, integer: true, default: 100 } as NumField,
  testNoise: { kind: "number", min: 0, max: 1, default: 0.3 } as NumField,
  preset: { kind: "word", values: PRESET_NAMES, default: null, optional: true } as WordField<PresetName>,
} as const;

export const DEFAULT_SETTINGS: Settings = {
  sigma: FIELDS.sigma.default,
  eta: FIELDS.eta.default,
  placement: FIELDS.placement.default as Placement,
  noise: FIELDS.noise.default as NoiseKind,
  thetaInit: FIELDS.thetaInit.default as ThetaInit,
  thetaScale: FIELDS.thetaScale.default,
  seed: FIELDS.seed.default,
  steps: FIELDS.steps.default,
  testNoise: FIELDS.testNoise.default,
  preset: null,
};

/** A value for a notice: short, quoted, never the whole of a huge string. */
export function shown(raw: string): string {
  return JSON.stringify(raw.length > 40 ? raw.slice(0, 40) + "..." : raw);
}

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Check one number; out of range -> clamped (integers rounded), not a number -> the default. */
export function checkNumber(name: string, raw: string, f: NumField): { value: number; notice: string | null } {
  // Decimal notation only: Number() would also read "0x10" as 16, "0b1" as 1 and "" as 0.
  const v = DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(v)) return { value: f.default, notice: `${name} ${shown(raw)} is not a number; using the default ${f.default}` };
  let out = Math.min(f.max, Math.max(f.min, v));
  if (f.integer) out = Math.min(f.max, Math.max(f.min, Math.round(out)));
  if (out === v) return { value: v, notice: null };
  const why = v < f.min ? `below the minimum ${f.min}` : v > f.max ? `above the maximum ${f.max}` : "not a whole number";
  return { value: out, notice: `${name} ${shown(raw)} is ${why}; using ${out}` };
}

export type ParsedState = {
  settings: Settings;
  /** What was changed, one line each (shown as text). */
  notices: string[];
  /** Keys the URL gave (a preset with no sigma is applied on load). */
  given: Set<string>;
};

/** Settings from a query string (`location.search`, with or without '?'). */
export function parseState(search: string): ParsedState {
  const params = new URLSearchParams(search.startsWith("?") ? search.slice(1) : search);
  const settings: Settings = { ...DEFAULT_SETTINGS };
  const notices: string[] = [];
  const given = new Set<string>();
  const seen = new Set<string>();
  for (const [key, raw] of params) {
    if (!Object.hasOwn(FIELDS, key)) {
      notices.push(`unknown setting ${shown(key)} ignored`);
      continue;
    }
    if (seen.has(key)) {
      notices.push(`${key} given more than once; using the first value`);
      continue;
    }
    seen.add(key);
    given.add(key);
    const f = FIELDS[key as keyof typeof FIELDS];
    if (f.kind === "number") {
      const r = checkNumber(key, raw, f);
      (settings as Record<string, unknown>)[key] = r.value;
      if (r.notice) notices.push(r.notice);
    } else {
      const words = f.values as readonly string[];
      if (words.includes(raw)) (settings as Record<string, unknown>)[key] = raw;
      else {
        given.delete(key);
        notices.push(`${key} ${shown(raw)} is not one of ${words.join(", ")}; using ${f.default ?? "none"}`);
      }
    }
  }
  return { settings, notices, given };
}

/** The query string of `s` (without '?'); numbers at full precision so a link reproduces the run. */
export function serializeState(s: Settings): string {
  const p = new URLSearchParams();
  p.set("sigma", String(s.sigma));
  p.set("eta", String(s.eta));
  p.set("placement", s.placement);
  p.set("noise", s.noise);
  p.set("thetaInit", s.thetaInit);
  p.set("thetaScale", String(s.thetaScale));
  p.set("seed", String(s.seed));
  p.set("steps", String(s.steps));
  p.set("testNoise", String(s.testNoise));
  if (s.preset) p.set("preset", s.preset);
  return p.toString();
}

/** sigma <-> slider position in [0, 1000] on a log scale over the field's range. */
export function sigmaToSlider(sigma: number): number {
  const { min, max } = FIELDS.sigma;
  return Math.round((1000 * Math.log(sigma / min)) / Math.log(max / min));
}
export function sliderToSigma(pos: number): number {
  const { min, max } = FIELDS.sigma;
  const v = min * Math.exp((Math.min(1000, Math.max(0, pos)) / 1000) * Math.log(max / min));
  return Number(v.toPrecision(3));
}
