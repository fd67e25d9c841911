/**
 * Text width measurement for headless Vega.
 *
 * Without a canvas package, Vega estimates every string as 0.8 × fontSize per character,
 * which is ~40% too wide for DejaVu Sans: legends get a ragged right margin, y-axis titles
 * drift away from their labels and tick labels get dropped as "overlapping". We replace that
 * estimate with the real advance widths of DejaVu Sans (the font the PNGs are drawn with,
 * see render.ts), read once from DejaVuSans.ttf / DejaVuSans-Bold.ttf (units per em: 2048).
 * Kerning is ignored; it changes widths by well under 1%.
 */
import * as vega from "vega";

const UNITS_PER_EM = 2048;

/** Advance widths of U+0020..U+007E, DejaVu Sans Book. */
const ASCII_REGULAR = [
  651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303, 1303,
  1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587,
  1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799,
  690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253,
  1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
];

/** Advance widths of U+0020..U+007E, DejaVu Sans Bold. */
const ASCII_BOLD = [
  713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425, 1425, 1425, 1425, 1425,
  1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681,
  1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936,
  748, 936, 1716, 1024, 1024, 1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407,
  1466, 1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458, 748, 1458, 1716,
];

/** Symbols and Greek letters that show up in ninr charts (sigma, ±, ∞, exponents, ...). */
const EXTRA_CHARS = "±×·–—…°µσμαβγδεηλθτρπωΣΔ∞≤≥≈′²³⁻¹⁰√∈→←ℓ";
const EXTRA_REGULAR = [
  1716, 1716, 651, 1024, 2048, 2048, 1024, 1303, 1298, 1303, 1350, 1307, 1212, 1253, 1107, 1298, 1212, 1253, 1233,
  1300, 1233, 1715, 1294, 1401, 1706, 1716, 1716, 1716, 465, 821, 821, 1081, 821, 821, 1305, 1784, 1716, 1716, 846,
];
const EXTRA_BOLD = [
  1716, 1716, 778, 1024, 2048, 2048, 1024, 1507, 1595, 1507, 1407, 1466, 1395, 1407, 1140, 1458, 1296, 1407, 1307,
  1466, 1620, 1780, 1399, 1585, 1706, 1716, 1716, 1716, 540, 897, 897, 1081, 897, 897, 1366, 1836, 1716, 1716, 966,
];

function buildTable(ascii: number[], extra: number[]): Map<number, number> {
  const table = new Map<number, number>();
  ascii.forEach((w, i) => table.set(0x20 + i, w));
  Array.from(EXTRA_CHARS).forEach((ch, i) => table.set(ch.codePointAt(0)!, extra[i]!));
  return table;
}

const REGULAR = buildTable(ASCII_REGULAR, EXTRA_REGULAR);
const BOLD = buildTable(ASCII_BOLD, EXTRA_BOLD);

/** Width in pixels of `text` set in DejaVu Sans at `fontSize` px. */
export function measureText(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    // Unknown glyphs: wide (CJK and beyond) count as 1 em, everything else as an average letter.
    units += table.get(cp) ?? (cp >= 0x2e80 ? UNITS_PER_EM : bold ? 1400 : 1270);
  }
  return (units * fontSize) / UNITS_PER_EM;
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

interface VegaTextMetrics {
  width: (item: TextItem, text?: unknown) => number;
  measureWidth: (item: TextItem, text?: unknown) => number;
}

function isBold(weight: string | number | undefined): boolean {
  if (weight === undefined || weight === null) return false;
  if (typeof weight === "number") return weight >= 600;
  return weight === "bold" || weight === "bolder" || Number(weight) >= 600;
}

function dejavuWidth(item: TextItem, text?: unknown): number {
  const size = item.fontSize != null ? +item.fontSize || 0 : 11;
  const t = text === null || text === undefined ? "" : String(text).trim();
  if (size <= 0 || t.length === 0) return 0;
  const w = measureText(t, size, isBold(item.fontWeight));
  // Vega truncates text to `limit` pixels (with an ellipsis) before drawing it.
  return item.limit !== undefined && item.limit > 0 ? Math.min(w, item.limit) : w;
}

let installed = false;

/**
 * Point Vega's text measurement at the DejaVu Sans metrics above (process-wide, idempotent).
 * Leaves Vega alone when it has a real canvas to measure with (the `canvas` package).
 */
export function installTextMetrics(): void {
  if (installed) return;
  installed = true;
  const tm = (vega as unknown as { textMetrics?: VegaTextMetrics }).textMetrics;
  if (!tm || tm.width === tm.measureWidth) return;
  tm.width = dejavuWidth;
}
