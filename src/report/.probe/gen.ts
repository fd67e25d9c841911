import { readFileSync } from "node:fs";
function widths(path: string, chars: number[]) {
  const b = readFileSync(path);
  const numTables = b.readUInt16BE(4);
  const tables: Record<string, number> = {};
  for (let i = 0; i < numTables; i++) { const o = 12 + 16 * i; tables[b.toString("latin1", o, o + 4)] = b.readUInt32BE(o + 8); }
  const upem = b.readUInt16BE(tables.head + 18);
  const numH = b.readUInt16BE(tables.hhea + 34);
  const cmap = tables.cmap; const n = b.readUInt16BE(cmap + 2);
  let sub = -1;
  for (let i = 0; i < n; i++) { const pid = b.readUInt16BE(cmap + 4 + 8 * i), eid = b.readUInt16BE(cmap + 6 + 8 * i), off = b.readUInt32BE(cmap + 8 + 8 * i); if (pid === 3 && eid === 1) sub = cmap + off; }
  if (b.readUInt16BE(sub) !== 4) throw new Error("fmt");
  const segX2 = b.readUInt16BE(sub + 6); const seg = segX2 / 2;
  const ends = sub + 14, starts = ends + segX2 + 2, deltas = starts + segX2, ro = deltas + segX2;
  const glyph = (c: number) => {
    for (let i = 0; i < seg; i++) { const e = b.readUInt16BE(ends + 2 * i); if (c > e) continue; const s = b.readUInt16BE(starts + 2 * i); if (c < s) return 0;
      const d = b.readInt16BE(deltas + 2 * i), r = b.readUInt16BE(ro + 2 * i);
      if (r === 0) return (c + d) & 0xffff; const gi = b.readUInt16BE(ro + 2 * i + r + 2 * (c - s)); return gi === 0 ? 0 : (gi + d) & 0xffff; }
    return 0; };
  const adv = (g: number) => b.readUInt16BE(tables.hmtx + 4 * Math.min(g, numH - 1));
  return { upem, w: chars.map((c) => adv(glyph(c))) };
}
const chars: number[] = []; for (let c = 32; c < 127; c++) chars.push(c);
const extra = "±×·–—…°µσμαβγδεηλθτρπωΣΔ∞≤≥≈′²³⁻¹⁰√∈→←ℓ";
for (const ch of extra) chars.push(ch.codePointAt(0)!);
const r = widths("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", chars);
const bd = widths("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", chars);
console.log(r.upem, bd.upem);
console.log(JSON.stringify(r.w.slice(0, 95)));
console.log(JSON.stringify(bd.w.slice(0, 95)));
console.log(JSON.stringify(extra));
console.log(JSON.stringify(r.w.slice(95)));
console.log(JSON.stringify(bd.w.slice(95)));
