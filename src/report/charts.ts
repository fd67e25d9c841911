/**
 * Pure Vega-Lite spec builders with one consistent look (see theme.ts). No I/O here:
 * render the returned spec with `renderVegaLite` / `writeChart` from render.ts.
 *
 * Data rows are copied into the spec. Non-finite numbers (NaN, ±Infinity) become null, which
 * Vega-Lite leaves out of the plot; this also keeps the spec identical after a JSON round trip.
 * Field names may contain dots or brackets ("acc.mean"): they are escaped, not treated as paths.
 */
import type { TopLevelSpec } from "vega-lite";
import { NinrError } from "../errors.ts";
import type { Row } from "./tables.ts";
import { CHART_CONFIG, CHART_HEIGHT, PHASE_COLORS } from "./theme.ts";
import { axisType, cleanRows, fieldRef, frame, logAxis, numbers, orderedPhases, paddedLogScale, requireFields, requirePositive } from "./chartParts.ts";

export { fieldRef } from "./chartParts.ts";

export type VegaLiteSpec = TopLevelSpec;

/** Colours for phases not in PHASE_COLORS, in order of first appearance. */
const EXTRA_PHASE_COLORS = ["#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#1f77b4"];

export interface LineChartOptions {
  title: string;
  subtitle?: string;
  data: Row[];
  x: string;
  y: string;
  /** Field that splits rows into series (one line each). */
  color?: string;
  xTitle?: string;
  yTitle?: string;
  colorTitle?: string;
  logX?: boolean;
  logY?: boolean;
  /** Shaded band between two fields, e.g. mean ± std or a min..max envelope. */
  band?: { lower: string; upper: string };
  /** Draw a marker at every data point on top of the line. */
  points?: boolean;
}

/** Lines of `y` against `x`, one per `color` series, with an optional error band. */
export function lineChart(opts: LineChartOptions): VegaLiteSpec {
  const where = "lineChart";
  const rows = cleanRows(opts.data);
  requireFields(where, rows, [opts.x, opts.y, opts.color, opts.band?.lower, opts.band?.upper]);
  if (opts.logX) requirePositive(where, rows, opts.x);
  if (opts.logY) requirePositive(where, rows, opts.y);

  const x = {
    field: fieldRef(opts.x),
    type: axisType(rows, opts.x),
    title: opts.xTitle ?? opts.x,
    ...(opts.logX ? { scale: { type: "log" as const } } : {}),
    ...(opts.logX ? { axis: logAxis(numbers(rows, opts.x)) } : {}),
  };
  const yScale = opts.logY ? { type: "log" as const } : { zero: false };
  // Legend symbols at full opacity (the band layer would otherwise make them faint).
  const legend = opts.points ? { symbolOpacity: 1 } : { symbolOpacity: 1, symbolType: "stroke", symbolStrokeWidth: 2.5 };
  // Vega's default scheme has 10 colours and repeats them: more series (the comparison has 14
  // methods) would share colours, so they get the 20-colour scheme.
  const series = opts.color ? new Set(rows.map((r) => String(r[opts.color!]))).size : 0;
  const colorEnc = opts.color
    ? { field: fieldRef(opts.color), type: "nominal" as const, title: opts.colorTitle ?? opts.color, legend, ...(series > 10 ? { scale: { scheme: "category20" } } : {}) }
    : undefined;

  const line = {
    mark: { type: "line" as const, ...(opts.points ? { point: { filled: true, size: 36 } } : {}) },
    encoding: {
      x,
      y: {
        field: fieldRef(opts.y),
        type: "quantitative" as const,
        title: opts.yTitle ?? opts.y,
        scale: yScale,
        ...(opts.logY ? { axis: logAxis(numbers(rows, opts.y)) } : {}),
      },
      ...(colorEnc ? { color: colorEnc } : {}),
    },
  };
  if (!opts.band) {
    return { ...frame(opts.title, opts.subtitle), data: { values: rows }, ...line };
  }
  const band = {
    mark: { type: "area" as const, opacity: 0.18 },
    encoding: {
      x,
      y: { field: fieldRef(opts.band.lower), type: "quantitative" as const, title: opts.yTitle ?? opts.y, scale: yScale },
      y2: { field: fieldRef(opts.band.upper) },
      ...(colorEnc ? { color: colorEnc } : {}),
    },
  };
  return { ...frame(opts.title, opts.subtitle), data: { values: rows }, layer: [band, line] };
}

export interface HeatmapOptions {
  title: string;
  subtitle?: string;
  data: Row[];
  x: string;
  y: string;
  value: string;
  xTitle?: string;
  yTitle?: string;
  valueTitle?: string;
  /** d3-format string for the cell labels and legend (default ".3~g": 91.2, 0.0123, 1.2e+3). */
  format?: string;
  /** Angle of the x labels in degrees (default 0; slant long labels, e.g. -30). */
  xLabelAngle?: number;
}

/** Grid of coloured cells (viridis) with the value printed in each cell. */
export function heatmap(opts: HeatmapOptions): VegaLiteSpec {
  const where = "heatmap";
  const rows = cleanRows(opts.data);
  requireFields(where, rows, [opts.x, opts.y, opts.value]);
  const format = opts.format ?? ".3~g";
  const values = rows.map((r) => r[opts.value]).filter((v): v is number => typeof v === "number");
  const lo = values.length ? Math.min(...values) : 0;
  const hi = values.length ? Math.max(...values) : 1;
  // Viridis is dark at the low end: white labels there, dark labels on the light cells.
  const darkBelow = lo + 0.55 * (hi - lo);
  const value = fieldRef(opts.value);
  const ordinal = (field: string, title: string | undefined, descending: boolean, labelAngle = 0) => ({
    field: fieldRef(field),
    type: "ordinal" as const,
    title: title ?? field,
    // Numeric y grids read bottom-up like a plot: the largest value on top.
    ...(descending && axisType(rows, field) === "quantitative" ? { sort: "descending" as const } : {}),
    axis: { labelAngle, ticks: false, domain: false },
  });
  return {
    ...frame(opts.title, opts.subtitle),
    data: { values: rows },
    encoding: { x: ordinal(opts.x, opts.xTitle, false, opts.xLabelAngle), y: ordinal(opts.y, opts.yTitle, true) },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 1 },
        encoding: {
          color: {
            field: value,
            type: "quantitative",
            title: opts.valueTitle ?? opts.value,
            scale: { scheme: "viridis" },
            legend: { format, gradientLength: CHART_HEIGHT - 40 },
          },
        },
      },
      {
        mark: { type: "text", fontSize: 11, fontWeight: "bold" },
        encoding: {
          text: { field: value, type: "quantitative", format },
          color: {
            condition: { test: `datum[${JSON.stringify(opts.value)}] < ${darkBelow}`, value: "white" },
            value: "#1a1a1a",
          },
        },
      },
    ],
    config: { ...CHART_CONFIG, view: { stroke: null } },
  } as VegaLiteSpec;
}

export interface PhasePoint {
  sigma: number;
  series: string;
  value: number;
}

export interface PhaseBand {
  from: number;
  to: number;
  phase: string;
}

export interface PhaseDiagramOptions {
  title: string;
  subtitle?: string;
  /** Measured quantity (e.g. decay time) per noise level sigma and series (e.g. depth or width). */
  points: PhasePoint[];
  /** Sigma intervals of each phase; infinite or out-of-range ends are clipped to the plot. */
  phases: PhaseBand[];
  yTitle: string;
  xTitle?: string;
  seriesTitle?: string;
  logY?: boolean;
}

/**
 * Phase diagram: measured values against sigma on a log axis, one line per series, over
 * background bands coloured by phase (decoupled grey, decay green, catapult orange,
 * divergent red). Points with a non-finite value (no decay time in the divergent phase,
 * for example) are left out.
 */
export function phaseDiagram(opts: PhaseDiagramOptions): VegaLiteSpec {
  const where = "phaseDiagram";
  for (const p of opts.points) {
    if (!(p.sigma > 0) || !Number.isFinite(p.sigma)) {
      throw new NinrError(`${where}: sigma must be finite and > 0 on the log axis, got ${p.sigma}`);
    }
  }
  const points = opts.points.filter((p) => Number.isFinite(p.value));
  for (const p of points) {
    if (opts.logY && p.value <= 0) {
      throw new NinrError(`${where}: value must be > 0 with logY, got ${p.value} at sigma=${p.sigma}`);
    }
  }
  for (const ph of opts.phases) {
    if (Number.isNaN(ph.from) || Number.isNaN(ph.to) || !(ph.to > ph.from)) {
      throw new NinrError(`${where}: phase "${ph.phase}" needs from < to, got from=${ph.from} to=${ph.to}`);
    }
  }

  // x domain: the sigma range of all points, even those without a finite value (they mark where
  // the sweep went, e.g. into the divergent phase); without points, the finite phase bounds.
  const sigmas = opts.points.map((p) => p.sigma);
  if (sigmas.length === 0) {
    for (const ph of opts.phases) for (const s of [ph.from, ph.to]) if (Number.isFinite(s) && s > 0) sigmas.push(s);
  }
  if (sigmas.length === 0) throw new NinrError(`${where}: nothing to plot (no finite points and no finite phase bounds)`);
  let lo = Math.min(...sigmas);
  let hi = Math.max(...sigmas);
  if (hi / lo < 10) {
    // Less than a decade: widen around the geometric centre so the log axis gets real ticks.
    const mid = Math.sqrt(lo * hi);
    lo = Math.min(lo / 1.25, mid / Math.sqrt(10));
    hi = Math.max(hi * 1.25, mid * Math.sqrt(10));
  } else {
    lo /= 1.25;
    hi *= 1.25;
  }

  const bands = opts.phases
    .map((ph) => ({ phase: ph.phase, from: Math.max(ph.from, lo), to: Math.min(ph.to, hi) }))
    .filter((b) => b.to > b.from);
  const phaseNames = orderedPhases(opts.phases.map((p) => p.phase));
  let extra = 0;
  const phaseRange = phaseNames.map((name) => PHASE_COLORS[name] ?? EXTRA_PHASE_COLORS[extra++ % EXTRA_PHASE_COLORS.length]!);

  const xScale = { type: "log" as const, domain: [lo, hi], nice: false };
  const xAxis = logAxis([lo, hi]);
  const xTitle = opts.xTitle ?? "noise σ";
  const seriesTitle = opts.seriesTitle ?? "series";
  const yScale = opts.logY ? { type: "log" as const } : { zero: false };
  const pointRows = points.map((p) => ({ sigma: p.sigma, series: p.series, value: p.value }));

  const series = {
    x: { field: "sigma", type: "quantitative" as const, scale: xScale, title: xTitle, axis: xAxis },
    y: {
      field: "value",
      type: "quantitative" as const,
      scale: yScale,
      title: opts.yTitle,
      ...(opts.logY ? { axis: logAxis(pointRows.map((p) => p.value)) } : {}),
    },
    color: { field: "series", type: "nominal" as const, title: seriesTitle, legend: { orient: "right" as const } },
  };

  return {
    ...frame(opts.title, opts.subtitle),
    layer: [
      {
        data: { values: bands },
        mark: { type: "rect", opacity: 0.22 },
        encoding: {
          x: { field: "from", type: "quantitative", scale: xScale, title: xTitle, axis: xAxis },
          x2: { field: "to" },
          fill: {
            field: "phase",
            type: "nominal",
            title: "phase",
            scale: { domain: phaseNames, range: phaseRange },
            legend: { orient: "right", symbolType: "square", symbolOpacity: 0.5, symbolStrokeWidth: 0 },
          },
        },
      },
      {
        data: { values: pointRows },
        mark: { type: "line", point: { filled: true, size: 40 } },
        encoding: series,
      },
    ],
    resolve: { scale: { fill: "independent", color: "independent" }, legend: { fill: "independent", color: "independent" } },
  } as VegaLiteSpec;
}

export interface ScatterChartOptions {
  title: string;
  subtitle?: string;
  data: Row[];
  x: string;
  y: string;
  color?: string;
  /** Field mapped to the marker shape (circle, square, triangle, ...). */
  shape?: string;
  xTitle?: string;
  yTitle?: string;
  colorTitle?: string;
  shapeTitle?: string;
  logX?: boolean;
  logY?: boolean;
  /** Fixed colours per category of `color` (e.g. the phase colours), instead of the default scheme. */
  colorScale?: { domain: string[]; range: string[] };
}

/** Points of `y` against `x`, coloured and/or shaped by category. */
export function scatterChart(opts: ScatterChartOptions): VegaLiteSpec {
  const where = "scatterChart";
  const rows = cleanRows(opts.data);
  requireFields(where, rows, [opts.x, opts.y, opts.color, opts.shape]);
  if (opts.logX) requirePositive(where, rows, opts.x);
  if (opts.logY) requirePositive(where, rows, opts.y);
  return {
    ...frame(opts.title, opts.subtitle),
    data: { values: rows },
    mark: { type: "point", filled: true, size: 70, opacity: 0.85 },
    encoding: {
      x: {
        field: fieldRef(opts.x),
        type: axisType(rows, opts.x),
        title: opts.xTitle ?? opts.x,
        scale: opts.logX ? paddedLogScale(numbers(rows, opts.x)) : { zero: false, padding: 8 },
        ...(opts.logX ? { axis: logAxis(numbers(rows, opts.x)) } : {}),
      },
      y: {
        field: fieldRef(opts.y),
        type: axisType(rows, opts.y),
        title: opts.yTitle ?? opts.y,
        scale: opts.logY ? paddedLogScale(numbers(rows, opts.y)) : { zero: false, padding: 8 },
        ...(opts.logY ? { axis: logAxis(numbers(rows, opts.y)) } : {}),
      },
      ...(opts.color
        ? { color: { field: fieldRef(opts.color), type: "nominal", title: opts.colorTitle ?? opts.color, ...(opts.colorScale ? { scale: opts.colorScale } : {}) } }
        : {}),
      ...(opts.shape
        ? { shape: { field: fieldRef(opts.shape), type: "nominal", title: opts.shapeTitle ?? opts.shape } }
        : {}),
    },
  } as VegaLiteSpec;
}

// ---------------------------------------------------------------------------------------------
// Helpers
