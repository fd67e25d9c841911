/**
 * Regenerate the bundled Fashion-MNIST sample in data/sample/ (docs/method.md §4, data):
 * 100 images per class from train (1000) and 50 per class from t10k (500), chosen by
 * `stratifiedPick` with one `HostRng(0)` stream (train pick first, then test), kept in
 * ascending order of original index. Also writes indices.json (the picked original indices)
 * and LICENSE. Deterministic: rerunning gives byte-identical IDX payloads.
 *
 *   npx tsx scripts/make-sample.ts [SOURCE_DIR]    (default: the normal search order)
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { HostRng } from "../src/engine/hostRng.ts";
import { encodeIdx, parseIdx } from "../src/data/idx.ts";
import { IMAGE_PIXELS, IMAGE_SIDE } from "../src/data/fashion.ts";
import { stratifiedPick } from "../src/data/split.ts";
import { writeFileAtomic, writeJsonAtomic } from "../src/node/atomic.ts";
import { FILES, SAMPLE_DIR, locate, searchDirs } from "../src/node/data/fashionFiles.ts";

const SAMPLE_SEED = 0;
const TRAIN_PER_CLASS = 100;
const TEST_PER_CLASS = 50;

/** Raw bytes of an IDX file (gunzipped if needed); we copy raw pixels, not the [0,1] floats. */
function readIdx(path: string) {
  let b: Uint8Array = readFileSync(path);
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  return parseIdx(b, path);
}

function pickAndWrite(imgPath: string, labPath: string, perClass: number, rng: HostRng, outImg: string, outLab: string) {
  const img = readIdx(imgPath);
  const lab = readIdx(labPath);
  const idx = stratifiedPick(lab.data, perClass, rng);
  const m = idx.length;
  const pix = new Uint8Array(m * IMAGE_PIXELS);
  const labels = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    const i = idx[k];
    pix.set(img.data.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), k * IMAGE_PIXELS);
    labels[k] = lab.data[i];
  }
  writeFileAtomic(join(SAMPLE_DIR, outImg + ".gz"), gzipSync(encodeIdx([m, IMAGE_SIDE, IMAGE_SIDE], pix), { level: 9 }));
  writeFileAtomic(join(SAMPLE_DIR, outLab + ".gz"), gzipSync(encodeIdx([m], labels), { level: 9 }));
  return Array.from(idx);
}

const LICENSE = `The images and labels in this folder are a subset of Fashion-MNIST
(https://github.com/zalandoresearch/fashion-mnist), taken from the Debian package
dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). ninr's scripts/make-sample.ts picked
${TRAIN_PER_CLASS} images per class from the training set (1000) and ${TEST_PER_CLASS} per class from the
test set (500): walk a permutation drawn from ninr's HostRng(seed ${SAMPLE_SEED}) (train first, then
test, one stream) and keep the first images of each class, stored in ascending order of their
original index (listed in indices.json). Pixels and labels are unchanged.

The MIT License (MIT)

Copyright (c) 2017 Zalando SE

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

function main() {
  const srcDir = process.argv[2];
  const loc = locate(searchDirs({ dataDir: srcDir }), srcDir !== undefined);
  const rng = new HostRng(SAMPLE_SEED);
  const train = pickAndWrite(loc.paths.trainImages, loc.paths.trainLabels, TRAIN_PER_CLASS, rng, FILES.trainImages, FILES.trainLabels);
  const test = pickAndWrite(loc.paths.testImages, loc.paths.testLabels, TEST_PER_CLASS, rng, FILES.testImages, FILES.testLabels);
  writeJsonAtomic(join(SAMPLE_DIR, "indices.json"), {
    source: loc.dir,
    seed: SAMPLE_SEED,
    method: "stratifiedPick (src/data/split.ts), one HostRng stream: train then test; sorted ascending",
    train,
    test,
  });
  writeFileAtomic(join(SAMPLE_DIR, "LICENSE"), LICENSE);
  let total = 0;
  for (const f of Object.values(FILES)) total += statSync(join(SAMPLE_DIR, f + ".gz")).size;
  console.log(`wrote ${SAMPLE_DIR}: ${train.length} train + ${test.length} test images from ${loc.dir}, ${total} bytes of IDX.gz`);
}

main();
