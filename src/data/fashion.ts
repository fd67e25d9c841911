/**
 * Fashion-MNIST as a Dataset (docs/method.md §4, data: 60k train / 10k test 28x28 grayscale
 * images, pixels/255 in [0,1], 10 classes). Pure: turning IDX bytes into splits. Finding and
 * reading the files is Node-only (src/node/data/fashionFiles.ts).
 */
import { NinrError } from "../errors.ts";
import type { Dataset, Split } from "./dataset.ts";
import { parseIdx } from "./idx.ts";

/** Class names in label order (Zalando's Fashion-MNIST README). */
export const CLASS_NAMES: string[] = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

export const IMAGE_SIDE = 28;
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
export const NUM_CLASSES = 10;
export const FASHION_NAME = "fashion-mnist";

/** 256-entry table byte -> byte/255, so the conversion loop is one lookup per pixel. */
const SCALE = (() => {
  const t = new Float32Array(256);
  for (let i = 0; i < 256; i++) t[i] = i / 255;
  return t;
})();

/** Validate one images/labels IDX pair and convert it to a `Split`; names are used in errors. */
export function splitFromIdx(imageBytes: Uint8Array, labelBytes: Uint8Array, imagesName: string, labelsName: string): Split {
  const img = parseIdx(imageBytes, imagesName);
  const lab = parseIdx(labelBytes, labelsName);
  if (img.dims.length !== 3 || img.dims[1] !== IMAGE_SIDE || img.dims[2] !== IMAGE_SIDE) {
    throw new NinrError(`${imagesName} holds data of shape [${img.dims.join(", ")}], expected images [n, 28, 28]; is it a labels file? check the file names`);
  }
  if (lab.dims.length !== 1) {
    throw new NinrError(`${labelsName} holds data of shape [${lab.dims.join(", ")}], expected labels [n]; is it an images file? check the file names`);
  }
  const n = img.dims[0];
  if (lab.dims[0] !== n) {
    throw new NinrError(`${labelsName} has ${lab.dims[0]} labels but ${imagesName} has ${n} images; the files come from different sets or one is corrupt; re-download / reinstall them`);
  }
  const labels = Uint8Array.from(lab.data);
  for (let i = 0; i < n; i++) {
    if (labels[i] >= NUM_CLASSES) throw new NinrError(`${labelsName} has label ${labels[i]} at index ${i}, outside 0..9; the file is corrupt; re-download / reinstall it`);
  }
  const src = img.data;
  const images = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) images[i] = SCALE[src[i]];
  return { images, labels, n };
}

/** Fashion-MNIST splits as a Dataset. */
export function fashionDataset(train: Split, test: Split, source: string, dir?: string): Dataset {
  return { name: FASHION_NAME, inputShape: [IMAGE_SIDE, IMAGE_SIDE, 1], classes: NUM_CLASSES, classNames: CLASS_NAMES, range: [0, 1], train, test, source, dir };
}
