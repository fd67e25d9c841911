/**
 * Shared helpers of the chart builders (charts.ts): axes, titles, field escaping and the checks
 * every builder makes on its rows.
 */
import { NinrError } from "../errors.ts";
import type { Row } from "./tables.ts";
import { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, PHASE_COLORS } from "./theme.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Log axis that stays readable: vega labels every tick of a log scale by default, which turns
 * into a smear of "2e-3 3e-3 4e-3 ..." over a few decades. We label 1, 2 and 5 of each decade
 * when the axis spans at most 2.5 decades and only the decades beyond that; the minor grid
 * lines are kept but drawn much lighter than the decade lines.
 */
export function logAxis(values: number[]) {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  const decades = positive.length ? Math.log10(Math.max(...positive) / Math.min(...positive)) : 0;
  const labelled = decades > 2.5 ? "[1]" : "[1, 2, 5]";
  return {
    labelExpr: `indexof(${labelled}, ${MANTISSA}) >= 0 ? datum.label : ''`,
    labelOverlap: "greedy" as const,
    format: "~g",
    gridColor: { condition: { test: `${MANTISSA} == 1`, value: "#d9d9d9" }, value: "#f2f2f2" },
  };
}

/** Leading digit of a tick value: 3 for 0.003 (robust to log10 rounding at exact decades). */
export const MANTISSA = "round(datum.value / pow(10, floor(log(datum.value) / LN10 + 1e-9)))";

export function frame(title: string, subtitle: string | undefined) {
  return {
    $schema: SCHEMA,
    title: subtitle ? { text: title, subtitle } : title,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    config: CHART_CONFIG,
  };
}

/** Escape characters Vega-Lite would read as nested-field syntax. */
export function fieldRef(name: string): string {
  return name.replace(/([.[\]\\])/g, "\\$1");
}

export function cleanRows(rows: Row[]): Row[] {
  if (!Array.isArray(rows)) throw new NinrError("chart data must be an array of row objects");
  return rows.map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r)) out[k] = typeof v === "number" && !Number.isFinite(v) ? null : v;
    return out;
  });
}

export function requireFields(where: string, rows: Row[], fields: (string | undefined)[]): void {
  if (rows.length === 0) return;
  for (const f of fields) {
    if (f === undefined) continue;
    if (!rows.some((r) => Object.hasOwn(r, f))) {
      const known = [...new Set(rows.flatMap((r) => Object.keys(r)))].join(", ");
      throw new NinrError(`${where}: no row has a field "${f}" (fields present: ${known})`);
    }
  }
}

export function requirePositive(where: string, rows: Row[], field: string): void {
  rows.forEach((r, i) => {
    const v = r[field];
    if (typeof v === "number" && v <= 0) {
      throw new NinrError(`${where}: "${field}" must be > 0 on a log axis, got ${v} in row ${i}`);
    }
  });
}

/** Quantitative when every present value is a number, ordinal (kept sorted) otherwise. */
export function axisType(rows: Row[], field: string): "quantitative" | "ordinal" {
  const present = rows.map((r) => r[field]).filter((v) => v !== null && v !== undefined);
  return present.every((v) => typeof v === "number") ? "quantitative" : "ordinal";
}

/**
 * Log scale whose domain is the data range widened by 20% on each side, so no marker sits on
 * the axis line. (Pixel `padding` on a log scale combined with `nice` can add whole decades.)
 */
export function paddedLogScale(values: number[]) {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (positive.length === 0) return { type: "log" as const };
  return { type: "log" as const, domain: [Math.min(...positive) / 1.2, Math.max(...positive) * 1.2], nice: false };
}

export function numbers(rows: Row[], field: string): number[] {
  return rows.map((r) => r[field]).filter((v): v is number => typeof v === "number");
}

export function orderedPhases(names: string[]): string[] {
  const unique = [...new Set(names)];
  const known = Object.keys(PHASE_COLORS).filter((p) => unique.includes(p));
  return [...known, ...unique.filter((p) => !(p in PHASE_COLORS))];
}
