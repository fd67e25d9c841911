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

/** Headers larger than this are refused (ours are a few KB; a corrupt length could ask for GBs). */
const MAX_HEADER = 100 * 2 ** 20;

/**
 * Read a safetensors file. Files read back are untrusted: the header must be a JSON object whose
 * entries are F32 tensors with an integer shape and data offsets [start, end] inside the data
 * section, of exactly 4 * prod(shape) bytes, not overlapping; anything else is a NinrError naming
 * the file and the entry (never garbage weights).
 */
export function decodeSafetensors(bytes: Uint8Array, name = "safetensors file"): { tensors: Record<string, HostTensor>; metadata: Record<string, string> } {
  const bad = (what: string) => new NinrError(`${name}: ${what}; the file is corrupt (re-run training to rewrite it)`);
  if (bytes.length < 8) throw new NinrError(`${name} is truncated (${bytes.length} bytes); re-run training to rewrite it`);
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (hlen > MAX_HEADER || 8 + hlen > bytes.length) throw bad(`header length ${hlen} exceeds the file size (${bytes.length} bytes)`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  } catch {
    throw bad("header is not valid JSON");
  }
  if (!header || typeof header !== "object" || Array.isArray(header)) throw bad("header is not a JSON object");
  const base = 8 + hlen;
  const dataLength = bytes.length - base;
  const tensors: Record<string, HostTensor> = {};
  let metadata: Record<string, string> = {};
  const spans: { key: string; s: number; e: number }[] = [];
  for (const [key, v] of Object.entries(header as Record<string, unknown>)) {
    if (key === "__metadata__") {
      if (!v || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) throw bad("__metadata__ is not an object of strings");
      metadata = v as Record<string, string>;
      continue;
    }
    const t = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!t || typeof t !== "object") throw bad(`entry '${key}' is not an object`);
    if (t.dtype !== "F32") throw new NinrError(`${name}: tensor ${key} has dtype ${String(t.dtype)}; only F32 is supported`);
    const shape = t.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw bad(`tensor '${key}' has shape ${JSON.stringify(shape)?.slice(0, 60)}, not a list of integers >= 0`);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || off.some((o) => !Number.isSafeInteger(o) || o < 0)) throw bad(`tensor '${key}' has data_offsets ${JSON.stringify(off)?.slice(0, 60)}, not [start, end] of integers >= 0`);
    const [s0, e0] = off as [number, number];
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (e0 < s0) throw bad(`tensor '${key}' ends (${e0}) before it starts (${s0})`);
    if (e0 - s0 !== 4 * n) throw bad(`tensor '${key}' has ${e0 - s0} bytes for shape [${shape}] (${4 * n} expected)`);
    if (e0 > dataLength) throw bad(`tensor '${key}' runs past the end of the file (the file is truncated)`);
    spans.push({ key, s: s0, e: e0 });
    const copy = bytes.slice(base + s0, base + e0);
    tensors[key] = { shape: shape as number[], data: new Float32Array(copy.buffer, copy.byteOffset, n) };
  }
  spans.sort((a, b) => a.s - b.s);
  for (let i = 1; i < spans.length; i++) if (spans[i].s < spans[i - 1].e) throw bad(`tensors '${spans[i - 1].key}' and '${spans[i].key}' overlap`);
  return { tensors, metadata };
}
