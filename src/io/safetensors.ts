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

export function decodeSafetensors(bytes: Uint8Array, name = "safetensors file"): { tensors: Record<string, HostTensor>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new NinrError(`${name} is truncated (${bytes.length} bytes); re-run training to rewrite it`);
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (8 + hlen > bytes.length) throw new NinrError(`${name}: header length ${hlen} exceeds the file size; the file is corrupt`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  } catch {
    throw new NinrError(`${name}: header is not valid JSON; the file is corrupt`);
  }
  const base = 8 + hlen;
  const tensors: Record<string, HostTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(header)) {
    if (key === "__metadata__") {
      metadata = v as unknown as Record<string, string>;
      continue;
    }
    if (v.dtype !== "F32") throw new NinrError(`${name}: tensor ${key} has dtype ${v.dtype}; only F32 is supported`);
    const [s, e] = v.data_offsets;
    if (base + e > bytes.length) throw new NinrError(`${name}: tensor ${key} runs past the end of the file; the file is truncated`);
    const copy = bytes.slice(base + s, base + e);
    tensors[key] = { shape: v.shape, data: new Float32Array(copy.buffer, copy.byteOffset, (e - s) / 4) };
  }
  return { tensors, metadata };
}
