import { describe, expect, it } from "vitest";
import { NinrError } from "../../src/errors.ts";
import { formatMeanStd, parseCsv, toCsv, toMarkdown } from "../../src/report/tables.ts";

describe("toCsv", () => {
  it("quotes commas, quotes and line breaks per RFC 4180 and round-trips them", () => {
    const tricky = ['a,b', 'say "hi"', "line1\nline2", "crlf\r\nend", "", " padded ", "plain", '"', ",,", "é σ ±"];
    const rows = tricky.map((text, i) => ({ i, text }));
    const csv = toCsv(rows);
    expect(csv).toContain('"a,b"');
    expect(csv).toContain('"say ""hi"""');
    expect(csv.endsWith("\n")).toBe(true);
    const parsed = parseCsv(csv);
    expect(parsed[0]).toEqual(["i", "text"]);
    expect(parsed.slice(1).map((r) => r[1])).toEqual(tricky);
    expect(parsed.slice(1).map((r) => Number(r[0]))).toEqual(tricky.map((_, i) => i));
  });

  it("prints numbers in full precision and empty cells for null/undefined", () => {
    const csv = toCsv([{ x: 0.1 + 0.2, y: 1e-12, z: null, w: undefined, b: true, n: -0.000123456789012345 }]);
    const [header, row] = parseCsv(csv);
    expect(header).toEqual(["x", "y", "z", "w", "b", "n"]);
    expect(Number(row![0])).toBe(0.1 + 0.2);
    expect(row![0]).toBe("0.30000000000000004");
    expect(Number(row![1])).toBe(1e-12);
    expect(row!.slice(2, 5)).toEqual(["", "", "true"]);
    expect(Number(row![5])).toBe(-0.000123456789012345);
  });

  it("uses column titles and formatters", () => {
    const csv = toCsv([{ a: 1, b: 2 }], [{ key: "b", title: "B, second" }, { key: "a", format: (v) => `#${v}` }]);
    expect(parseCsv(csv)).toEqual([["B, second", "a"], ["2", "#1"]]);
  });

  it("parses CRLF input and rejects an unbalanced quote", () => {
    expect(parseCsv('a,b\r\n"x\r\ny",2\r\n')).toEqual([["a", "b"], ["x\r\ny", "2"]]);
    expect(() => parseCsv('a,"b\n')).toThrow(NinrError);
  });
});

describe("toMarkdown", () => {
  const rows = [
    { method: "NINR", acc: 91.2345, note: "best | tuned" },
    { method: "baseline", acc: 88, note: "two\nlines" },
    { method: "dropout", acc: null },
  ];

  it("has a header, a separator row and the same column count on every line", () => {
    const md = toMarkdown(rows);
    const lines = md.trimEnd().split("\n");
    expect(lines).toHaveLength(2 + rows.length);
    expect(lines[1]).toMatch(/^\|(\s*:?-{3,}:?\s*\|)+$/);
    const cellCount = (line: string) => line.replace(/\\\|/g, "").split("|").length - 2;
    for (const line of lines) expect(cellCount(line)).toBe(3);
    // Columns line up in the raw text as well.
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[0]).toContain("method");
    expect(md).toContain("91.23");
    expect(md).toContain("best \\| tuned");
    expect(md).toContain("two<br>lines");
  });

  it("right-aligns numeric columns and applies titles and formats", () => {
    const md = toMarkdown(rows, [
      { key: "method", title: "Method" },
      { key: "acc", title: "Accuracy (%)", format: (v) => (typeof v === "number" ? v.toFixed(1) : "—") },
    ]);
    const lines = md.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\| Method\s+\| Accuracy \(%\) \|$/);
    expect(lines[1]).toMatch(/^\| -+ \| -+: \|$/);
    expect(lines[2]).toContain("91.2 |");
    expect(lines[4]).toContain("— |");
  });
});

describe("formatMeanStd", () => {
  it("formats mean ± std", () => {
    expect(formatMeanStd(91, 1.234)).toBe("91.0 ± 1.2");
    expect(formatMeanStd(0.91234, 0.0123, 3)).toBe("0.912 ± 0.012");
    expect(formatMeanStd(5, NaN)).toBe("5.0");
    expect(() => formatMeanStd(1, 1, -1)).toThrow(NinrError);
  });
});
