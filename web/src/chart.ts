/**
 * A tiny hand-drawn SVG line chart (axes, ticks, polylines, dashed reference lines, a legend).
 * Every label goes in with textContent, never as markup.
 */
const NS = "http://www.w3.org/2000/svg";

export type Series = { name: string; color: string; points: [number, number][]; dashed?: boolean; dots?: boolean };
export type ChartSpec = {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Horizontal reference lines (thresholds). */
  hlines?: { y: number; label: string; color: string }[];
  logY?: boolean;
  /** x range (default: the data's). */
  xDomain?: [number, number];
  yDomain?: [number, number];
};

const W = 480;
const H = 260;
const M = { l: 56, r: 12, t: 40, b: 40 };

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>, parent: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent.appendChild(e);
  return e;
}

function text(parent: Element, x: number, y: number, s: string, attrs: Record<string, string | number> = {}): void {
  el("text", { x, y, "font-size": 11, fill: "#333", ...attrs }, parent).textContent = s;
}

const fmt = (v: number) => (v === 0 ? "0" : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2 ? v.toExponential(0) : Number(v.toPrecision(3)).toString());

/** "Nice" ticks for a linear range. */
function linearTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? mag * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Draw `spec` into `svg` (its children are replaced). */
export function drawChart(svg: SVGSVGElement, spec: ChartSpec): void {
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", spec.title);
  el("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }, svg);
  text(svg, M.l, 16, spec.title, { "font-size": 13, "font-weight": "bold" });
  const tr = (y: number) => (spec.logY ? Math.log10(y) : y);
  const pts = spec.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.logY || y > 0));
  const hl = (spec.hlines ?? []).filter((h) => !spec.logY || h.y > 0);
  const xs = pts.map((p) => p[0]);
  const ys = [...pts.map((p) => tr(p[1])), ...hl.map((h) => tr(h.y))];
  let [x0, x1] = spec.xDomain ?? [Math.min(0, ...xs), Math.max(1, ...xs)];
  if (!(x1 > x0)) x1 = x0 + 1;
  let [y0, y1] = spec.yDomain ? [tr(spec.yDomain[0]), tr(spec.yDomain[1])] : ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (!(y1 > y0)) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  if (!spec.yDomain) [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number) => M.l + ((x - x0) / (x1 - x0)) * (W - M.l - M.r);
  const py = (y: number) => H - M.b - ((tr(y) - y0) / (y1 - y0)) * (H - M.t - M.b);
  const plot = el("g", {}, svg);
  el("rect", { x: M.l, y: M.t, width: W - M.l - M.r, height: H - M.t - M.b, fill: "none", stroke: "#999" }, plot);
  for (const v of linearTicks(x0, x1)) {
    el("line", { x1: px(v), x2: px(v), y1: H - M.b, y2: H - M.b + 4, stroke: "#666" }, plot);
    text(plot, px(v), H - M.b + 15, fmt(v), { "text-anchor": "middle" });
  }
  let yt = spec.logY ? linearTicks(Math.floor(y0), Math.ceil(y1), 6).filter((e) => Number.isInteger(e) && e >= y0 && e <= y1).map((e) => 10 ** e) : linearTicks(y0, y1);
  // Less than a decade on a log axis: linear ticks between the ends.
  if (spec.logY && yt.length < 2) yt = linearTicks(10 ** y0, 10 ** y1, 4).filter((v) => v > 0 && tr(v) >= y0 && tr(v) <= y1);
  for (const v of yt) {
    el("line", { x1: M.l, x2: W - M.r, y1: py(v), y2: py(v), stroke: "#eee" }, plot);
    text(plot, M.l - 4, py(v) + 4, fmt(v), { "text-anchor": "end" });
  }
  text(plot, (M.l + W - M.r) / 2, H - 6, spec.xLabel, { "text-anchor": "middle" });
  text(plot, 12, (M.t + H - M.b) / 2, spec.yLabel, { "text-anchor": "middle", transform: `rotate(-90 12 ${(M.t + H - M.b) / 2})` });
  const clip = (y: number) => Math.min(H - M.b, Math.max(M.t, y));
  for (const h of hl) {
    el("line", { x1: M.l, x2: W - M.r, y1: clip(py(h.y)), y2: clip(py(h.y)), stroke: h.color, "stroke-dasharray": "5 4" }, plot);
    text(plot, W - M.r - 4, clip(py(h.y)) - 3, h.label, { "text-anchor": "end", fill: h.color });
  }
  let lx = M.l + 6;
  for (const s of spec.series) {
    const good = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!spec.logY || y > 0));
    if (good.length) {
      el("polyline", { points: good.map(([x, y]) => `${px(x).toFixed(1)},${clip(py(y)).toFixed(1)}`).join(" "), fill: "none", stroke: s.color, "stroke-width": 1.8, ...(s.dashed ? { "stroke-dasharray": "4 3" } : {}) }, plot);
      if (s.dots) for (const [x, y] of good) el("circle", { cx: px(x), cy: clip(py(y)), r: 2.5, fill: s.color }, plot);
    }
    el("line", { x1: lx, x2: lx + 14, y1: 29, y2: 29, stroke: s.color, "stroke-width": 2, ...(s.dashed ? { "stroke-dasharray": "4 3" } : {}) }, plot);
    text(plot, lx + 18, 33, s.name);
    lx += 24 + 6.5 * s.name.length;
  }
}
