/**
 * Minimal safetensors (https://github.com/huggingface/safetensors) writer and reader for
 * float32 tensors: 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets}, __metadata__: {string: string}}, then the raw bytes.
 * The header is space-padded to a multiple of 8 so tensors stay aligned. Pure (bytes in/out).
 */
import { NinrError } from "../errors.ts";

export type HostTensor = { shape: number[]; data: Float32Array };

/**
 * How dense weights are stored in our files' tensors: "out_in" ([n_out, n_in], used as x @ W^T)
 * since 2026-11-29; files without this metadata key stored [n_in, n_out] (used as x @ W).
 */
export const DENSE_LAYOUT = "out_in";

export function encodeSafetensors(tensors: Record<string, HostTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`tensor ${name}: shape ${t.shape} has ${n} elements, data has ${t.data.length}`);
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += " ";
  const hbytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hbytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let pos = 8 + hbytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

/**
 * Headers larger than this are refused before they are parsed (ours are a few KB: 16 MiB is
 * ~200k tensor entries; a corrupt length could ask for GBs, and JSON.parse of a huge header
 * takes many times its size in memory).
 */
const MAX_HEADER = 16 * 2 ** 20;

/** A short description of an untrusted header value for a message (never a deep JSON.stringify). */
function describe(v: unknown): string {
  if (Array.isArray(v)) return v.length <= 8 && v.every((x) => typeof x !== "object" || x === null) ? JSON.stringify(v) : `a list of ${v.length} entries`;
  if (v && typeof v === "object") return "an object";
  const s = typeof v === "string" ? JSON.stringify(v) : String(v);
  return s.length > 60 ? s.slice(0, 60) + "..." : s;
}

/**
 * Read a safetensors file. Files read back are untrusted: the header must be a JSON object whose
 * entries are F32 tensors with an integer shape and data offsets [start, end] inside the data
 * section, of exactly 4 * prod(shape) bytes, not overlapping; anything else is a NinrError naming
 * the file and the entry (never garbage weights). Every span is checked before any is copied, so
 * the tensors never take more memory than the file. `fix` says how to get a good file back.
 */
export function decodeSafetensors(bytes: Uint8Array, name = "safetensors file", fix = "re-run training to rewrite it"): { tensors: Record<string, HostTensor>; metadata: Record<string, string> } {
  const bad = (what: string) => new NinrError(`${name}: ${what}; the file is corrupt (${fix})`);
  if (bytes.length < 8) throw new NinrError(`${name} is truncated (${bytes.length} bytes); ${fix}`);
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (hlen > MAX_HEADER) throw bad(`header length ${hlen} is over the ${MAX_HEADER}-byte limit`);
  if (8 + hlen > bytes.length) throw bad(`header length ${hlen} exceeds the file size (${bytes.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  } catch {
    throw bad("header is not valid JSON");
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) throw bad("header is not a JSON object");
  const base = 8 + hlen;
  const dataLength = bytes.length - base;
  let metadata: Record<string, string> = {};
  const spans: { key: string; shape: number[]; n: number; s: number; e: number }[] = [];
  for (const [key, v] of Object.entries(header as Record<string, unknown>)) {
    const k = `'${key.length > 60 ? key.slice(0, 60) + "..." : key}'`;
    if (key === "__metadata__") {
      if (!v || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) throw bad("__metadata__ is not an object of strings");
      metadata = v as Record<string, string>;
      continue;
    }
    // JSON.parse keeps "__proto__" as a key; as a tensor name it would set a prototype instead.
    if (key === "__proto__") throw bad(`tensor name ${k} is not allowed`);
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!t || typeof t !== "object" || Array.isArray(t)) throw bad(`entry ${k} is not an object`);
    if (t.dtype !== "F32") throw new NinrError(`${name}: tensor ${k} has dtype ${describe(t.dtype)}; only F32 is supported`);
    const shape = t.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw bad(`tensor ${k} has shape ${describe(shape)}, not a list of integers >= 0`);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((o) => !Number.isSafeInteger(o) || o < 0)) throw bad(`tensor ${k} has data_offsets ${describe(off)}, not [start, end] of integers >= 0`);
    const [s0, e0] = off as [number, number];
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (e0 < s0) throw bad(`tensor ${k} ends (${e0}) before it starts (${s0})`);
    if (e0 - s0 !== 4 * n) throw bad(`tensor ${k} has ${e0 - s0} bytes for shape ${describe(shape)} (${4 * n} expected)`);
    if (e0 > dataLength) throw bad(`tensor ${k} runs past the end of the file (the file is truncated)`);
    spans.push({ key, shape: shape as number[], n, s: s0, e: e0 });
  }
  const sorted = [...spans].sort((a, b) => a.s - b.s);
  for (let i = 1; i < sorted.length; i++) if (sorted[i].s < sorted[i - 1].e) throw bad(`tensors '${sorted[i - 1].key.slice(0, 60)}' and '${sorted[i].key.slice(0, 60)}' overlap`);
  const tensors: Record<string, HostTensor> = {};
  for (const { key, shape, n, s, e } of spans) {
    // Copied into a fresh, aligned buffer: a Buffer's slice is a view at any byte offset.
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(bytes.subarray(base + s, base + e));
    tensors[key] = { shape, data };
  }
  return { tensors, metadata };
}
