/** Reporting layer: chart specs, tables and the HTML report page. */
export * from "./charts.ts";
export * from "./html.ts";
export * from "./tables.ts";
export { CHART_CONFIG, CHART_HEIGHT, CHART_WIDTH, FONT_FAMILY, FONT_STACK, PHASE_COLORS } from "./theme.ts";
export { toyOutcomeChart } from "./toyChart.ts";
