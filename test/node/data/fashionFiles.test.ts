/** Locating and reading Fashion-MNIST's files (src/node/data/fashionFiles.ts). */
import { describe, it, expect, afterAll } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Dataset } from "../../../src/data/dataset.ts";
import { encodeIdx } from "../../../src/data/idx.ts";
import { NinrError } from "../../../src/errors.ts";
import {
  DEBIAN_DIR,
  DataNotFoundError,
  FILES,
  SAMPLE_DIR,
  loadBundledSample,
  loadDataset,
  loadFashionMnist,
  locate,
  searchDirs,
} from "../../../src/node/data/fashionFiles.ts";

const root = mkdtempSync(join(tmpdir(), "ninr-data-test-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;

/** A tiny valid Fashion-MNIST-shaped set (nTrain/nTest images) in a fresh temp folder. */
function tinySet(opts: { nTrain?: number; nTest?: number; gzip?: boolean; dir?: string } = {}): string {
  const dir = opts.dir ?? join(root, `set${dirCount++}`);
  mkdirSync(dir, { recursive: true });
  const gz = opts.gzip ?? true;
  const put = (base: string, bytes: Uint8Array) =>
    writeFileSync(join(dir, gz ? base + ".gz" : base), gz ? gzipSync(bytes) : bytes);
  for (const [img, lab, n] of [
    [FILES.trainImages, FILES.trainLabels, opts.nTrain ?? 20],
    [FILES.testImages, FILES.testLabels, opts.nTest ?? 10],
  ] as const) {
    const pix = Uint8Array.from({ length: n * 784 }, (_, i) => (i * 31) % 256);
    put(img, encodeIdx([n, 28, 28], pix));
    put(lab, encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 10)));
  }
  return dir;
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

const noHome = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: join(root, "no-home"), ...extra });

describe("loading a folder", () => {
  it("loads gzip and un-gzipped files with pixels in [0,1]", () => {
    for (const gzip of [true, false]) {
      const dir = tinySet({ gzip });
      const d = loadFashionMnist({ dataDir: dir });
      expect(d.source).toBe("full");
      expect(d.dir).toBe(dir);
      expect(d.train.n).toBe(20);
      expect(d.test.n).toBe(10);
      expect(d.train.images.length).toBe(20 * 784);
      expect(d.train.images[1]).toBeCloseTo(31 / 255, 6);
      expect(Math.max(...d.test.images)).toBeLessThanOrEqual(1);
      expect(Array.from(d.train.labels.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    }
  });

  it("wrong magic names the file", () => {
    const dir = tinySet();
    const bad = join(dir, FILES.testImages + ".gz");
    writeFileSync(bad, gzipSync(Uint8Array.from([0, 0, 9, 3, 0, 0, 0, 0])));
    const e = errorOf(() => loadFashionMnist({ dataDir: dir }));
    expect(e).toBeInstanceOf(NinrError);
    expect(e).not.toBeInstanceOf(DataNotFoundError);
    expect(e.message).toContain(bad);
    expect(e.message).toMatch(/magic/);
  });

  it("a truncated IDX names the file", () => {
    const dir = tinySet({ gzip: false });
    const bad = join(dir, FILES.trainImages);
    writeFileSync(bad, readFileSync(bad).subarray(0, 1000));
    const e = errorOf(() => loadFashionMnist({ dataDir: dir }));
    expect(e).toBeInstanceOf(NinrError);
    expect(e.message).toContain(`${bad} is truncated: header says 20 images of 28x28 (15696 bytes) but file has 1000 bytes`);
  });

  it("a truncated gzip stream names the file", () => {
    const dir = tinySet();
    const bad = join(dir, FILES.trainImages + ".gz");
    const gz = readFileSync(bad);
    writeFileSync(bad, gz.subarray(0, gz.length >> 1));
    const e = errorOf(() => loadFashionMnist({ dataDir: dir }));
    expect(e).toBeInstanceOf(NinrError);
    expect(e.message).toContain(bad);
    expect(e.message).toMatch(/gzip/);
  });

  it("a label/image count mismatch names the labels file", () => {
    const dir = tinySet();
    const bad = join(dir, FILES.testLabels + ".gz");
    writeFileSync(bad, gzipSync(encodeIdx([9], new Uint8Array(9))));
    const e = errorOf(() => loadFashionMnist({ dataDir: dir }));
    expect(e).toBeInstanceOf(NinrError);
    expect(e.message).toContain(`${bad} has 9 labels but`);
    expect(e.message).toContain(join(dir, FILES.testImages + ".gz"));
  });

  it("labels outside 0..9 name the file", () => {
    const dir = tinySet();
    const bad = join(dir, FILES.trainLabels + ".gz");
    writeFileSync(bad, gzipSync(encodeIdx([20], new Uint8Array(20).fill(10))));
    const e = errorOf(() => loadFashionMnist({ dataDir: dir }));
    expect(e).toBeInstanceOf(NinrError);
    expect(e.message).toContain(`${bad} has label 10 at index 0`);
  });
});

describe("search order", () => {
  it("an explicit dataDir is the only place tried; missing files name that folder", () => {
    const dir = tinySet();
    rmSync(join(dir, FILES.testLabels + ".gz"));
    const good = tinySet();
    const e = errorOf(() => loadFashionMnist({ dataDir: dir, env: { NINR_DATA: good } }));
    expect(e).toBeInstanceOf(DataNotFoundError);
    expect(e.message).toContain(dir);
    expect(e.message).toContain(`missing ${FILES.testLabels}`);
    expect(e.message).not.toContain(good);
    // even when the sample is allowed: the user pointed at that folder
    expect(() => loadDataset({ dataDir: dir, allowSample: true })).toThrow(DataNotFoundError);
    const nowhere = join(root, "does-not-exist");
    expect(errorOf(() => loadFashionMnist({ dataDir: nowhere })).message).toContain(`${nowhere} (does not exist)`);
  });

  it("honours NINR_DATA, then ~/.cache/ninr/fashion-mnist, then the Debian folder", () => {
    const nd = tinySet();
    expect(searchDirs({ env: { NINR_DATA: nd, HOME: "/h" } })).toEqual([
      nd,
      "/h/.cache/ninr/fashion-mnist",
      DEBIAN_DIR,
    ]);
    expect(searchDirs({ dataDir: "/x", env: { NINR_DATA: nd } })).toEqual(["/x"]);
    expect(loadFashionMnist({ env: noHome({ NINR_DATA: nd }) }).dir).toBe(nd);

    const home = join(root, "home");
    const cache = tinySet({ dir: join(home, ".cache", "ninr", "fashion-mnist"), nTrain: 12 });
    const d = loadFashionMnist({ env: { HOME: home, NINR_DATA: join(root, "empty-nd") } });
    expect(d.dir).toBe(cache);
    expect(d.train.n).toBe(12);
    expect(loadDataset({ env: { HOME: home }, allowSample: false }).dir).toBe(cache);
  });

  it("missing everywhere lists every folder searched and the fixes", () => {
    const a = join(root, "nowhere-a");
    const b = tinySet();
    rmSync(join(b, FILES.trainImages + ".gz"));
    const e = errorOf(() => locate([a, b]));
    expect(e).toBeInstanceOf(DataNotFoundError);
    expect(e).toBeInstanceOf(NinrError);
    expect(e.message).toContain(`${a} (does not exist)`);
    expect(e.message).toContain(`${b} (missing ${FILES.trainImages}[.gz])`);
    expect(e.message).toContain("apt-get install dataset-fashion-mnist");
    expect(e.message).toContain("NINR_DATA");
    expect(e.message).toContain("--data DIR");
  });

  it.skipIf(existsSync(join(DEBIAN_DIR, FILES.trainImages + ".gz")))(
    "falls back to the sample only when allowed (no full set on this machine)",
    () => {
      const env = noHome();
      expect(() => loadDataset({ env, allowSample: false })).toThrow(DataNotFoundError);
      expect(loadDataset({ env, allowSample: true }).source).toBe("sample");
    },
  );
});

const HAVE_FULL = existsSync(join(DEBIAN_DIR, "train-images-idx3-ubyte.gz"));
let fullCache: Dataset | undefined;
const full = () => (fullCache ??= loadFashionMnist({ dataDir: DEBIAN_DIR }));

const counts = (labels: Uint8Array) => {
  const c = new Array(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
};

describe("real data", () => {
  it("the bundled sample loads: 100 per class train, 50 per class test", () => {
    const s = loadBundledSample();
    expect(s.source).toBe("sample");
    expect(s.dir).toBe(SAMPLE_DIR);
    expect(s.train.n).toBe(1000);
    expect(s.test.n).toBe(500);
    expect(s.train.images.length).toBe(1000 * 784);
    expect(counts(s.train.labels)).toEqual(new Array(10).fill(100));
    expect(counts(s.test.labels)).toEqual(new Array(10).fill(50));
    expect(existsSync(join(SAMPLE_DIR, "LICENSE"))).toBe(true);
  });

  it.skipIf(!HAVE_FULL)("the full Debian set: 60000/10000, pixels in [0,1], 6000 per class", () => {
    const d = full();
    expect(d.source).toBe("full");
    expect(d.train.n).toBe(60000);
    expect(d.test.n).toBe(10000);
    expect(d.train.images.length).toBe(60000 * 784);
    expect(d.test.images.length).toBe(10000 * 784);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of d.train.images) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
    expect(counts(d.train.labels)).toEqual(new Array(10).fill(6000));
    expect(counts(d.test.labels)).toEqual(new Array(10).fill(1000));
  });

  it.skipIf(!HAVE_FULL)("each sample image equals its image in the full set", async () => {
    const { stratifiedPick } = await import("../../../src/data/split.ts");
    const { HostRng } = await import("../../../src/engine/hostRng.ts");
    const d = full();
    const s = loadBundledSample();
    const meta = JSON.parse(readFileSync(join(SAMPLE_DIR, "indices.json"), "utf8")) as { train: number[]; test: number[] };
    // re-derive the pick exactly as scripts/make-sample.ts does
    const rng = new HostRng(0);
    expect(Array.from(stratifiedPick(d.train.labels, 100, rng))).toEqual(meta.train);
    expect(Array.from(stratifiedPick(d.test.labels, 50, rng))).toEqual(meta.test);
    for (const [part, idx] of [["train", meta.train], ["test", meta.test]] as const) {
      const src = d[part];
      const smp = s[part];
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
      idx.forEach((i, k) => {
        expect(smp.labels[k]).toBe(src.labels[i]);
        const a = smp.images.subarray(k * 784, (k + 1) * 784);
        const b = src.images.subarray(i * 784, (i + 1) * 784);
        if (!a.every((v: number, j: number) => v === b[j])) throw new Error(`${part} sample image ${k} != full image ${i}`);
      });
    }
  });
});
