/**
 * The bundled Fashion-MNIST sample (data/sample/: 1000 train / 500 test images, see
 * scripts/make-sample.ts) as a Dataset, from the four gzip'd IDX files' bytes. Browser-safe:
 * gunzip through the platform's DecompressionStream (browsers and Node 18+), so the page needs
 * neither the Debian data set nor a Node module. The bytes are untrusted: splitFromIdx checks
 * shapes, counts and labels.
 */
import type { Dataset } from "../../src/data/dataset.ts";
import { fashionDataset, splitFromIdx } from "../../src/data/fashion.ts";

export type SampleBytes = { trainImages: Uint8Array; trainLabels: Uint8Array; testImages: Uint8Array; testLabels: Uint8Array };

/** gunzip when the bytes carry the gzip magic (1f 8b), else return them as they are. */
export async function maybeGunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The sample as a Dataset (source "sample"). */
export async function sampleDataset(b: SampleBytes): Promise<Dataset> {
  const [ti, tl, si, sl] = await Promise.all([b.trainImages, b.trainLabels, b.testImages, b.testLabels].map(maybeGunzip));
  return fashionDataset(splitFromIdx(ti, tl, "train-images", "train-labels"), splitFromIdx(si, sl, "t10k-images", "t10k-labels"), "sample");
}
