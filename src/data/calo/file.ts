/**
 * The generator's file format (pure, bytes in/out): a safetensors file with
 *   images  F32 [n, H, W, C]  calibrated energy / energyUnit (NHWC, docs/detector.md §1)
 *   labels  F32 [n]           0 = fragmentation photon, 1 = prompt photon
 * and metadata: format "ninr-calo/1", synthetic "true", generator (the CaloConfig as JSON),
 * seed, stream, n. Files read back are untrusted: every field is checked and any mismatch is a
 * NinrError naming the file and the field.
 */
import { NinrError } from "../../errors.ts";
import { decodeSafetensors, encodeSafetensors } from "../../io/safetensors.ts";
import { type CaloConfig, checkCaloConfig } from "./config.ts";
import { imageShapeOf, makeGeometry } from "./geometry.ts";

export const CALO_FORMAT = "ninr-calo/1";

export type CaloFile = { config: CaloConfig; images: Float32Array; labels: Uint8Array; n: number; seed: number; stream: string };

export function encodeCaloFile(f: CaloFile): Uint8Array {
  const [H, W, C] = imageShapeOf(makeGeometry(f.config.windowCells));
  return encodeSafetensors(
    { images: { shape: [f.n, H, W, C], data: f.images }, labels: { shape: [f.n], data: Float32Array.from(f.labels) } },
    { format: CALO_FORMAT, synthetic: "true", generator: JSON.stringify(f.config), seed: String(f.seed), stream: f.stream, n: String(f.n) },
  );
}

export function decodeCaloFile(bytes: Uint8Array, name: string): CaloFile {
  const { tensors, metadata } = decodeSafetensors(bytes, name, "regenerate it with 'ninr calo generate'");
  const bad = (what: string) => new NinrError(`${name}: ${what}; not a synthetic-calorimeter file written by 'ninr calo generate'`);
  if (metadata.format !== CALO_FORMAT) throw bad(`metadata format is ${JSON.stringify(metadata.format ?? null)}, expected "${CALO_FORMAT}"`);
  let raw: unknown;
  try {
    raw = JSON.parse(metadata.generator ?? "");
  } catch {
    throw bad("metadata 'generator' is not JSON");
  }
  let config: CaloConfig;
  try {
    config = checkCaloConfig(raw as Record<string, unknown>);
  } catch (e) {
    throw e instanceof NinrError ? new NinrError(`${name}: generator config: ${e.message}`) : e;
  }
  const images = tensors.images;
  const labels = tensors.labels;
  if (!images || !labels) throw bad(`tensors ${Object.keys(tensors).join(", ") || "(none)"}; expected images and labels`);
  const [H, W, C] = imageShapeOf(makeGeometry(config.windowCells));
  const n = labels.shape[0];
  if (labels.shape.length !== 1 || images.shape.length !== 4 || images.shape[0] !== n || images.shape[1] !== H || images.shape[2] !== W || images.shape[3] !== C)
    throw bad(`images [${images.shape}] and labels [${labels.shape}] do not match [n, ${H}, ${W}, ${C}] and [n]`);
  const lab = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i];
    if (v !== 0 && v !== 1) throw bad(`label ${v} at index ${i} is not 0 or 1`);
    lab[i] = v;
  }
  for (let i = 0; i < images.data.length; i++) if (!Number.isFinite(images.data[i])) throw bad(`image value ${images.data[i]} at index ${i} is not finite`);
  const seed = Number(metadata.seed);
  return { config, images: images.data, labels: lab, n, seed: Number.isFinite(seed) ? seed : -1, stream: metadata.stream ?? "" };
}
