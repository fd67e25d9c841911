/**
 * Result tables as Markdown (for READMEs / reports) and CSV (for re-analysis). Pure functions.
 *
 * Columns default to every key of the rows, in order of first appearance. Markdown is for people:
 * numbers get at most 4 significant digits unless a column `format` says otherwise. CSV is for
 * programs: numbers are printed in full (shortest round-trip) precision and cells are quoted per
 * RFC 4180; `parseCsv` reads it back.
 */
import { NinrError } from "../errors.ts";

export type Row = Record<string, unknown>;

export interface Column {
  key: string;
  /** Header text (default: the key). */
  title?: string;
  /** Cell text for a value (default: see `formatCell` / `csvCell`). */
  format?: (v: unknown) => string;
}

/** Columns to show: the given ones, or every key of `rows` in order of first appearance. */
export function resolveColumns(rows: Row[], columns?: Column[]): Column[] {
  if (columns) {
    if (columns.length === 0) throw new NinrError("a table needs at least one column");
    return columns;
  }
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) keys.add(k);
  return [...keys].map((key) => ({ key }));
}

/** Human-readable cell text: empty for null/undefined, numbers to 4 significant digits. */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "string") return v;
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(formatCell).join(", ");
  return JSON.stringify(v);
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  return String(Number(v.toPrecision(4)));
}

/** "91.0 ± 1.2"; only the mean when std is missing or not finite (a single seed). */
export function formatMeanStd(mean: number, std: number, digits = 1): string {
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) {
    throw new NinrError(`formatMeanStd: digits must be an integer in 0..20, got ${digits}`);
  }
  if (!Number.isFinite(mean)) return formatNumber(mean);
  const m = mean.toFixed(digits);
  return Number.isFinite(std) ? `${m} ± ${Math.abs(std).toFixed(digits)}` : m;
}

// ---------------------------------------------------------------------------------------------
// Markdown

function mdEscape(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r\n|\r|\n/g, "<br>");
}

/**
 * A GitHub-flavoured Markdown pipe table. Columns whose values are all numbers are
 * right-aligned; cells are padded so the raw text lines up too.
 */
export function toMarkdown(rows: Row[], columns?: Column[]): string {
  const cols = resolveColumns(rows, columns);
  if (cols.length === 0) return "";
  const header = cols.map((c) => mdEscape(c.title ?? c.key));
  const body = rows.map((r) => cols.map((c) => mdEscape((c.format ?? formatCell)(r[c.key]))));
  const numeric = cols.map((c) => isNumericColumn(rows, c.key));
  const widths = cols.map((_, j) => Math.max(3, textWidth(header[j]!), ...body.map((cells) => textWidth(cells[j]!))));
  const pad = (text: string, j: number) => {
    const fill = " ".repeat(widths[j]! - textWidth(text));
    return numeric[j] ? fill + text : text + fill;
  };
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const sep = `| ${widths.map((w, j) => (numeric[j] ? "-".repeat(w - 1) + ":" : "-".repeat(w))).join(" | ")} |`;
  return [line(header), sep, ...body.map(line)].join("\n") + "\n";
}

export function isNumericColumn(rows: Row[], key: string): boolean {
  const present = rows.map((r) => r[key]).filter((v) => v !== null && v !== undefined);
  return present.length > 0 && present.every((v) => typeof v === "number");
}

/** Characters as a reader sees them (code points), so "±" and "σ" count once. */
function textWidth(text: string): number {
  return Array.from(text).length;
}

// ---------------------------------------------------------------------------------------------
// CSV

/** Machine-readable cell text: numbers in full precision, booleans as true/false. */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return String(v); // shortest string that round-trips; NaN, Infinity
  if (typeof v === "string") return v;
  if (typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

function csvQuote(text: string): string {
  // RFC 4180: fields with commas, quotes or line breaks are quoted, quotes doubled. Leading or
  // trailing spaces are quoted too, so spreadsheet tools do not trim them.
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** CSV text: a header row of column titles, one line per row, "\n" line ends, final newline. */
export function toCsv(rows: Row[], columns?: Column[]): string {
  const cols = resolveColumns(rows, columns);
  const lines = [cols.map((c) => csvQuote(c.title ?? c.key))];
  for (const r of rows) lines.push(cols.map((c) => csvQuote((c.format ?? csvCell)(r[c.key]))));
  return lines.map((cells) => cells.join(",")).join("\n") + "\n";
}

/** Parse RFC 4180 CSV (CRLF or LF line ends) into rows of cell strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let i = 0;
  let quoted = false;
  let started = false; // anything read on the current line (distinguishes "" from no line)
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      cell += ch;
      i++;
      continue;
    }
    if (ch === '"' && cell.length === 0) {
      quoted = true;
      started = true;
      i++;
    } else if (ch === ",") {
      row.push(cell);
      cell = "";
      started = true;
      i++;
    } else if (ch === "\n" || ch === "\r") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      started = false;
      i += ch === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      cell += ch;
      started = true;
      i++;
    }
  }
  if (quoted) throw new NinrError("CSV ends inside a quoted field (unbalanced double quote)");
  if (started || cell.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
