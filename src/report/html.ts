/**
 * One self-contained HTML page per report: inline CSS, charts as inline SVG, tables as HTML
 * tables. No scripts, no external fonts, stylesheets or images, so the file can be mailed,
 * archived or opened offline. Pure: returns the page as a string (write it with writeFileAtomic).
 *
 * Every piece of text (title, intro, headings, paragraphs, table cells) is HTML-escaped. The
 * `svg` of a section is trusted markup (from renderVegaLite) and is inserted as is, except that
 * its element ids are made unique per section, so two charts' clip paths cannot collide.
 */
import { type Column, formatCell, isNumericColumn, resolveColumns, type Row } from "./tables.ts";
import { FONT_STACK } from "./theme.ts";

export interface ReportSection {
  heading: string;
  /** Plain text; blank lines separate paragraphs. */
  text?: string;
  /** An SVG document (e.g. `renderVegaLite(spec).svg`). */
  svg?: string;
  /** A Markdown pipe table (e.g. from `toMarkdown`), shown as an HTML table. */
  tableMarkdown?: string;
  /** Rows shown as an HTML table (columns: `tableColumns`, or every key). */
  tableRows?: Row[];
  tableColumns?: Column[];
}

export interface HtmlReportOptions {
  title: string;
  intro?: string;
  sections: ReportSection[];
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const CSS = `
*{box-sizing:border-box}
body{font-family:${FONT_STACK};color:#222;background:#fff;margin:0;line-height:1.5}
main{max-width:980px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:1.7em;margin:.4em 0 .3em}
h2{font-size:1.25em;margin:1.8em 0 .5em;padding-bottom:.2em;border-bottom:1px solid #e3e3e3}
p{margin:.5em 0}
.intro{color:#444}
figure{margin:1em 0;overflow-x:auto}
figure svg{max-width:100%;height:auto;display:block}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
th,td{border:1px solid #d8d8d8;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f4f4f4;font-weight:bold}
tr:nth-child(even) td{background:#fafafa}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f6f6;padding:10px;overflow-x:auto}
footer{margin-top:3em;color:#888;font-size:.85em}
`
  .trim()
  .replace(/\n/g, "\n    ");

/** Build the report page. */
export function htmlReport(opts: HtmlReportOptions): string {
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(opts.title)}</h1>`);
  if (opts.intro) parts.push(paragraphs(opts.intro, "intro"));
  opts.sections.forEach((s, i) => {
    parts.push(`<section id="section-${i + 1}">`);
    parts.push(`<h2>${escapeHtml(s.heading)}</h2>`);
    if (s.text) parts.push(paragraphs(s.text));
    if (s.svg) parts.push(`<figure>${scopeSvgIds(stripXmlProlog(s.svg), `s${i + 1}-`)}</figure>`);
    if (s.tableMarkdown) parts.push(markdownTableToHtml(s.tableMarkdown));
    if (s.tableRows) parts.push(rowsToHtml(s.tableRows, s.tableColumns));
    parts.push(`</section>`);
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(opts.title)}</title>
  <style>
    ${CSS}
  </style>
</head>
<body>
<main>
${parts.join("\n")}
</main>
</body>
</html>
`;
}

function paragraphs(text: string, cls?: string): string {
  const attr = cls ? ` class="${cls}"` : "";
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => `<p${attr}>${escapeHtml(p).replace(/\r?\n/g, "<br>")}</p>`)
    .join("\n");
}

/** HTML table of `rows` (cells escaped, numeric columns right-aligned). */
export function rowsToHtml(rows: Row[], columns?: Column[]): string {
  const cols = resolveColumns(rows, columns);
  const numeric = cols.map((c) => isNumericColumn(rows, c.key));
  const cls = (j: number) => (numeric[j] ? ` class="num"` : "");
  const head = cols.map((c, j) => `<th${cls(j)}>${escapeHtml(c.title ?? c.key)}</th>`).join("");
  const body = rows
    .map((r) => `<tr>${cols.map((c, j) => `<td${cls(j)}>${cellHtml((c.format ?? formatCell)(r[c.key]))}</td>`).join("")}</tr>`)
    .join("\n");
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function cellHtml(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, "<br>");
}

/**
 * A Markdown pipe table as an HTML table (alignment from the separator row). Anything that is
 * not a pipe table is shown verbatim in a <pre> block.
 */
export function markdownTableToHtml(markdown: string): string {
  const lines = markdown
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const isSep = (l: string) => /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$/.test(l);
  if (lines.length < 2 || !lines[0]!.includes("|") || !isSep(lines[1]!)) {
    return `<pre>${escapeHtml(markdown)}</pre>`;
  }
  const header = splitMdRow(lines[0]!);
  const aligns = splitMdRow(lines[1]!).map((c) => (c.endsWith(":") && !c.startsWith(":") ? "num" : ""));
  const cls = (j: number) => (aligns[j] ? ` class="${aligns[j]}"` : "");
  const head = header.map((h, j) => `<th${cls(j)}>${mdCellHtml(h)}</th>`).join("");
  const body = lines
    .slice(2)
    .map((l) => {
      const cells = splitMdRow(l);
      return `<tr>${header.map((_, j) => `<td${cls(j)}>${mdCellHtml(cells[j] ?? "")}</td>`).join("")}</tr>`;
    })
    .join("\n");
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Split "| a | b \| c |" into ["a", "b | c"], honouring backslash escapes. */
function splitMdRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "\\" && i + 1 < s.length && (s[i + 1] === "|" || s[i + 1] === "\\")) {
      cell += s[i + 1];
      i++;
    } else if (ch === "|") {
      cells.push(cell.trim());
      cell = "";
    } else {
      cell += ch;
    }
  }
  cells.push(cell.trim());
  return cells;
}

/** Escape a Markdown cell; the `<br>` that toMarkdown uses for line breaks stays a line break. */
function mdCellHtml(text: string): string {
  return text
    .split(/<br\s*\/?>/i)
    .map(escapeHtml)
    .join("<br>");
}

function stripXmlProlog(svg: string): string {
  return svg
    .replace(/^\s*<\?xml[^>]*\?>\s*/i, "")
    .replace(/^\s*<!DOCTYPE[^>]*>\s*/i, "")
    .trim();
}

/** Prefix every id the SVG defines, and every reference to it, with `prefix`. */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) ids.add(m[1]!);
  if (ids.size === 0) return svg;
  const ref = (id: string) => (ids.has(id) ? prefix + id : id);
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_m, a: string, id: string) => `${a}${ref(id)}"`)
    .replace(/url\(\s*#([^)\s]+)\s*\)/g, (_m, id: string) => `url(#${ref(id)})`)
    .replace(/((?:xlink:)?href=")#([^"]+)"/g, (_m, a: string, id: string) => `${a}#${ref(id)}"`);
}
