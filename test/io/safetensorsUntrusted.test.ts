/** safetensors files read back are untrusted: every damaged header is a NinrError, never garbage weights. */
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.ts";
import { NinrError } from "../../src/errors.ts";

/** A file with this header (JSON text) and `dataBytes` bytes of data. */
function file(header: string, dataBytes = 16): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}
const t = (dtype: unknown, shape: unknown, off: unknown) => JSON.stringify({ a: { dtype, shape, data_offsets: off } });

describe("decodeSafetensors on damaged files", () => {
  it.each([
    ["a null header", "null", /not a JSON object/],
    ["an array header", "[1,2]", /not a JSON object/],
    ["a null entry", JSON.stringify({ a: null }), /entry 'a' is not an object/],
    ["offsets missing", JSON.stringify({ a: { dtype: "F32", shape: [2] } }), /data_offsets/],
    ["reversed offsets", t("F32", [2], [8, 0]), /ends \(0\) before it starts \(8\)/],
    ["a short span", t("F32", [4], [0, 8]), /8 bytes for shape \[4\] \(16 expected\)/],
    ["an unaligned span", t("F32", [1], [1, 6]), /5 bytes for shape \[1\]/],
    ["negative offsets", t("F32", [2], [-8, 0]), /not \[start, end\] of integers >= 0/],
    ["a shape that is a string", t("F32", "2", [0, 8]), /shape "2", not a list of integers/],
    ["a span past the end", t("F32", [8], [0, 32]), /runs past the end/],
    ["bad metadata", JSON.stringify({ __metadata__: { a: 1 } }), /__metadata__ is not an object of strings/],
    ["overlapping tensors", JSON.stringify({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }), /'a' and 'b' overlap/],
  ])("%s", (_what, header, pattern) => {
    expect(() => decodeSafetensors(file(header), "p.safetensors")).toThrow(NinrError);
    expect(() => decodeSafetensors(file(header), "p.safetensors")).toThrow(pattern);
  });

  it("a header length beyond the file, or absurdly large, is refused before allocating", () => {
    const f = file("{}");
    new DataView(f.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => decodeSafetensors(f, "p")).toThrow(/header length/);
  });

  it("a well-formed file still round-trips", () => {
    const bytes = encodeSafetensors({ w: { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) } }, { format: "ninr" });
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(Array.from(tensors.w.data)).toEqual([1, 2, 3, 4]);
    expect(metadata.format).toBe("ninr");
  });
});
