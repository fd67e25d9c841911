/**
 * The shared look of every ninr chart: one font, one set of sizes, white background.
 *
 * The font stack starts with DejaVu Sans because that is the font the PNG rasteriser
 * (resvg, see render.ts) is pointed at; SVGs opened in a browser fall back to the
 * next family in the stack when DejaVu Sans is not installed there.
 */

/** CSS font stack used in chart specs, the HTML report and the PNG rasteriser. */
export const FONT_FAMILY = "DejaVu Sans";
export const FONT_STACK = `${FONT_FAMILY}, Verdana, Helvetica, Arial, sans-serif`;

/** Default chart size in pixels (the plotting area, axes and legends come on top). */
export const CHART_WIDTH = 560;
export const CHART_HEIGHT = 320;

/** Categorical palette for series (Tableau 10: distinguishable, colour-blind aware). */
export const SERIES_SCHEME = "tableau10";

/** Phase colours for phase diagrams, in the order the phases occur as sigma grows. */
export const PHASE_COLORS: Readonly<Record<string, string>> = {
  decoupled: "#9e9e9e",
  decay: "#2ca02c",
  catapult: "#ff7f0e",
  divergent: "#d62728",
  /** The toy model's "no clear phase within the run". */
  unresolved: "#9467bd",
};

/**
 * Vega-Lite `config` embedded in every spec the builders produce (so a `.vl.json` file
 * opened in the Vega editor looks the same) and also passed as the compile-time default
 * by `renderVegaLite` (so hand-written specs get the same look).
 */
export const CHART_CONFIG = {
  background: "white",
  padding: 12,
  font: FONT_STACK,
  view: { stroke: "#cfcfcf" },
  title: {
    fontSize: 16,
    fontWeight: "bold",
    anchor: "start",
    offset: 12,
    color: "#222222",
    subtitleFontSize: 12,
    subtitleColor: "#555555",
  },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: "bold",
    titleColor: "#333333",
    labelColor: "#333333",
    gridColor: "#e6e6e6",
    domainColor: "#888888",
    tickColor: "#888888",
    titlePadding: 8,
  },
  legend: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: "bold",
    titleColor: "#333333",
    labelColor: "#333333",
    symbolSize: 90,
    labelLimit: 220,
    titleLimit: 220,
  },
  range: { category: { scheme: SERIES_SCHEME } },
  line: { strokeWidth: 2 },
  point: { size: 45 },
} as const;
