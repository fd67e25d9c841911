import { describe, expect, it } from "vitest";
import { escapeHtml, htmlReport, scopeSvgIds } from "../../src/report/html.ts";
import { toMarkdown } from "../../src/report/tables.ts";

describe("htmlReport", () => {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><clipPath id="clip1"><rect width="5" height="5"/></clipPath></defs><g clip-path="url(#clip1)"><path d="M0,0h5"/></g></svg>';
  const page = htmlReport({
    title: "Report <1> & co",
    intro: "First paragraph.\n\nSecond <b>paragraph</b>.",
    sections: [
      { heading: "Chart", text: "A chart.", svg },
      { heading: "Same chart again", svg },
      {
        heading: "Rows",
        tableRows: [
          { name: "<script>alert(1)</script>", acc: 91.5 },
          { name: 'quote " and \'', acc: 88 },
        ],
      },
      { heading: "Markdown", tableMarkdown: toMarkdown([{ cell: "<script>x</script>", v: 1 }, { cell: "a | b", v: 2 }]) },
    ],
  });

  it("escapes text and table cells", () => {
    expect(page).not.toContain("<script");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).toContain("&lt;script&gt;x&lt;/script&gt;");
    expect(page).toContain("<title>Report &lt;1&gt; &amp; co</title>");
    expect(page).toContain("Second &lt;b&gt;paragraph&lt;/b&gt;.");
    expect(page).toContain("<td>a | b</td>");
    expect(page).toContain('<td class="num">91.5</td>');
  });

  it("is one self-contained page", () => {
    expect(page.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(page).toContain("<style>");
    expect(page).not.toMatch(/<link|<img|\ssrc=|@import|url\(\s*['"]?https?:/i);
    expect(page.match(/<table>/g)).toHaveLength(2);
    expect(page.match(/<section /g)).toHaveLength(4);
  });

  it("keeps SVG ids unique per section", () => {
    expect(page).toContain('id="s1-clip1"');
    expect(page).toContain('clip-path="url(#s1-clip1)"');
    expect(page).toContain('id="s2-clip1"');
    expect(page).toContain('clip-path="url(#s2-clip1)"');
    expect(scopeSvgIds('<a href="#x"/><b id="y"/>', "p-")).toBe('<a href="#x"/><b id="p-y"/>');
  });

  it("escapeHtml covers the five special characters", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
