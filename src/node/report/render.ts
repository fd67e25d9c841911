/**
 * Headless chart rendering: Vega-Lite spec -> Vega -> SVG (vega View, no DOM) -> PNG (resvg).
 *
 * Fonts: the PNG only shows text if resvg has a font file to draw glyphs with. We look for
 * DejaVu Sans in the usual font folders (Debian/Ubuntu package `fonts-dejavu-core`) and hand
 * resvg exactly those files, which keeps PNGs identical across machines and rendering fast.
 * Failing that we let resvg load every system font; if the machine has no font at all we
 * throw a NinrError naming the package to install, rather than write PNGs without text.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { NinrError } from "../../errors.ts";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { CHART_CONFIG, FONT_FAMILY } from "../../report/theme.ts";
import { installTextMetrics } from "./textMetrics.ts";

/** PNG pixels per SVG pixel: 2 gives crisp images on high-density screens and in PDFs. */
export const PNG_SCALE = 2;

export interface RenderOptions {
  /** PNG pixels per SVG pixel (default 2). */
  scale?: number;
  /** Font files for the PNG rasteriser; default: DejaVu Sans found on this machine. */
  fontFiles?: string[];
}

export interface RenderResult {
  svg: string;
  png: Uint8Array;
  /** Warnings Vega-Lite or Vega logged while compiling/rendering (empty for a clean chart). */
  warnings: string[];
}

/** Compile a Vega-Lite spec to Vega, collecting (not printing) the compiler's warnings. */
export function compileVegaLite(spec: object): { vega: vega.Spec; warnings: string[] } {
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  let compiled: vega.Spec;
  try {
    compiled = compile(spec as TopLevelSpec, { config: CHART_CONFIG as never, logger }).spec;
  } catch (err) {
    throw new Error(`vega-lite could not compile the chart spec: ${(err as Error).message}`, { cause: err });
  }
  return { vega: compiled, warnings };
}

/** Render a Vega-Lite spec headlessly to an SVG string (no PNG). */
export async function renderSvg(spec: object): Promise<{ svg: string; warnings: string[] }> {
  installTextMetrics();
  const { vega: vgSpec, warnings } = compileVegaLite(spec);
  const view = new vega.View(vega.parse(vgSpec), {
    renderer: "none",
    logger: collectingLogger(warnings),
  });
  try {
    const svg = await view.toSVG();
    return { svg, warnings };
  } finally {
    view.finalize();
  }
}

/** Rasterise an SVG string to PNG bytes on a white background. */
export function rasterizeSvg(svg: string, options: RenderOptions = {}): Uint8Array {
  const scale = options.scale ?? PNG_SCALE;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new NinrError(`PNG scale must be a positive number, got ${scale}`);
  const opts: ResvgRenderOptions = {
    fitTo: { mode: "zoom", value: scale },
    background: "white",
    font: resvgFontOptions(options.fontFiles),
    shapeRendering: 2,
    textRendering: 1,
    logLevel: "off",
  };
  const png = new Resvg(svg, opts).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** Compile, render and rasterise a Vega-Lite spec. */
export async function renderVegaLite(spec: object, options: RenderOptions = {}): Promise<RenderResult> {
  const { svg, warnings } = await renderSvg(spec);
  return { svg, png: rasterizeSvg(svg, options), warnings };
}

/**
 * Render `spec` and write `${basePath}.svg`, `${basePath}.png` and `${basePath}.vl.json`
 * (the spec itself, to reopen in the Vega editor), each atomically. Returns the three paths.
 */
export async function writeChart(
  spec: object,
  basePath: string,
  options: RenderOptions = {},
): Promise<{ svg: string; png: string; spec: string }> {
  const { svg, png } = await renderVegaLite(spec, options);
  const paths = { svg: `${basePath}.svg`, png: `${basePath}.png`, spec: `${basePath}.vl.json` };
  writeJsonAtomic(paths.spec, spec);
  writeFileAtomic(paths.svg, svg);
  writeFileAtomic(paths.png, png);
  return paths;
}

// ---------------------------------------------------------------------------------------------
// Logging

function collectingLogger(sink: string[]): vega.LoggerInterface {
  return vega.logger(vega.Warn, undefined, (_method, level, input) => {
    const text = input.map((x) => (x instanceof Error ? x.message : String(x))).join(" ");
    if (level === "ERROR") throw new Error(`vega: ${text}`);
    sink.push(text);
  });
}

// ---------------------------------------------------------------------------------------------
// Fonts

const DEJAVU_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf"];
const FONT_EXT = /\.(ttf|otf|ttc|otc)$/i;

/** Folders resvg's system-font loader (fontdb) looks in on Linux and macOS. */
function fontDirs(): string[] {
  const home = homedir();
  return [
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    join(home, ".fonts"),
    join(home, ".local/share/fonts"),
    "/Library/Fonts",
    "/System/Library/Fonts",
    join(home, "Library/Fonts"),
  ];
}

interface FontScan {
  dejavu: string[];
  anyFont: boolean;
}

let fontScan: FontScan | undefined;

function scanFonts(): FontScan {
  if (fontScan) return fontScan;
  const found = new Map<string, string>();
  let anyFont = false;
  const walk = (dir: string, depth: number): void => {
    if (depth > 6) return;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(dir, name);
      if (FONT_EXT.test(name)) {
        anyFont = true;
        if (DEJAVU_FILES.includes(name) && !found.has(name)) found.set(name, full);
        continue;
      }
      try {
        if (statSync(full).isDirectory()) walk(full, depth + 1);
      } catch {
        /* unreadable entry: skip */
      }
    }
  };
  for (const dir of fontDirs()) if (existsSync(dir)) walk(dir, 0);
  const dejavu = DEJAVU_FILES.map((n) => found.get(n)).filter((p): p is string => p !== undefined);
  fontScan = { dejavu: found.has("DejaVuSans.ttf") ? dejavu : [], anyFont };
  return fontScan;
}

function resvgFontOptions(fontFiles: string[] | undefined): NonNullable<ResvgRenderOptions["font"]> {
  if (fontFiles && fontFiles.length > 0) {
    for (const f of fontFiles) if (!existsSync(f)) throw new NinrError(`font file not found: ${f}`);
    return { loadSystemFonts: false, fontFiles, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY };
  }
  const scan = scanFonts();
  if (scan.dejavu.length > 0) {
    return {
      loadSystemFonts: false,
      fontFiles: scan.dejavu,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    };
  }
  if (scan.anyFont) return { loadSystemFonts: true };
  throw new NinrError(
    "no font found for drawing chart text into PNGs; install one, e.g. `apt-get install fonts-dejavu-core` " +
      "(Debian/Ubuntu) or `brew install --cask font-dejavu` (macOS)",
  );
}
