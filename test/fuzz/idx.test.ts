/**
 * Fuzz the IDX reader (src/data/idx.ts) and the data-file loader around it (gzip or raw,
 * src/node/data/fashionFiles.ts): valid files mutated (bit flips, truncation, dims rewritten to
 * huge values, trailing bytes, corrupt or concatenated gzip) and random bytes. Every input parses
 * into exactly what its header promises or throws a NinrError; a gzip bomb stops at the size cap.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { NinrError } from "../../src/errors.ts";
import { encodeIdx, parseIdx } from "../../src/data/idx.ts";
import { MAX_DATA_FILE_BYTES, loadSplit } from "../../src/node/data/fashionFiles.ts";

const SEED = 20261202;

const labelsFile = fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 40 }).map((l) => encodeIdx([l.length], Uint8Array.from(l)));
const imagesFile = (n: number) => encodeIdx([n, 28, 28], new Uint8Array(n * 784).map((_, i) => i % 251));
const validIdx = fc.oneof(labelsFile, fc.integer({ min: 0, max: 3 }).map(imagesFile), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }).map((d) => encodeIdx(d, new Uint8Array(d.reduce((a, b) => a * b, 1)))));

type Mutation = (b: Uint8Array) => Uint8Array;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 6 }).map((flips) => (b: Uint8Array) => {
    const c = b.slice();
    if (c.length) for (const [i, bit] of flips) c[i % c.length] ^= 1 << bit;
    return c;
  }),
  fc.nat().map((n) => (b: Uint8Array) => b.subarray(0, n % (b.length + 1))),
  fc.uint8Array({ minLength: 1, maxLength: 16 }).map((tail) => (b: Uint8Array) => Uint8Array.from([...b, ...tail])),
  // A dimension rewritten, often to a huge count (the reader must not allocate what it promises).
  fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 60000, 784), fc.nat({ max: 0xffffffff }))).map(([i, d]) => (b: Uint8Array) => {
    const c = b.slice();
    const ndim = c[3] ?? 0;
    if (c.length >= 8 && ndim > 0) {
      const at = 4 + 4 * (i % ndim);
      if (at + 4 <= c.length) new DataView(c.buffer).setUint32(at, d, false);
    }
    return c;
  }),
  fc.integer({ min: 0, max: 255 }).map((ndim) => (b: Uint8Array) => {
    const c = b.slice();
    if (c.length >= 4) c[3] = ndim;
    return c;
  }),
);

function checkParse(bytes: Uint8Array): void {
  let idx: ReturnType<typeof parseIdx>;
  try {
    idx = parseIdx(bytes, "fuzz-idx");
  } catch (e) {
    if (!(e instanceof NinrError)) throw new Error(`not a NinrError: ${String((e as Error)?.stack ?? e).slice(0, 2000)}`);
    expect((e as Error).message).not.toMatch(/\n/);
    return;
  }
  expect([1, 3]).toContain(idx.dims.length);
  expect(idx.data.length).toBe(idx.dims.reduce((a, b) => a * b, 1));
  expect(idx.data.length).toBeLessThanOrEqual(bytes.length);
}

describe("fuzz: parseIdx", () => {
  it("valid files parse to their dims and bytes", () => {
    fc.assert(
      fc.property(validIdx, (b) => {
        if (b[3] !== 1 && b[3] !== 3) {
          expect(() => parseIdx(b, "x")).toThrow(NinrError);
          return;
        }
        const idx = parseIdx(b, "x");
        expect(idx.data.length + 4 + 4 * idx.dims.length).toBe(b.length);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("mutated files and random bytes: parsed exactly, or a NinrError", () => {
    fc.assert(
      fc.property(validIdx, fc.array(mutation, { minLength: 1, maxLength: 3 }), (b, ms) => checkParse(ms.reduce<Uint8Array>((x, m) => m(x), b))),
      { seed: SEED, numRuns: 3000 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), checkParse), { seed: SEED, numRuns: 2000 });
  });
});

describe("fuzz: data files on disk (raw or gzip)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ninr-fuzz-idx-"));
  let count = 0;
  const file = (bytes: Uint8Array, name: string) => {
    const p = join(dir, `${count++}-${name}`);
    writeFileSync(p, bytes);
    return p;
  };

  it("mutated image/label pairs, raw or gzipped (and gzip damaged after compression): a Split or a NinrError", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.array(mutation, { maxLength: 2 }),
        fc.array(mutation, { maxLength: 2 }),
        fc.constantFrom("raw", "gzip", "gzip-then-mutate"),
        (n, mi, ml, how) => {
          const all = (b: Uint8Array, ms: Mutation[]) => ms.reduce<Uint8Array>((x, m) => m(x), b);
          const apply = (b: Uint8Array, ms: Mutation[]) => {
            if (how === "raw") return all(b, ms);
            if (how === "gzip") return new Uint8Array(gzipSync(all(b, ms)));
            return all(new Uint8Array(gzipSync(b)), ms);
          };
          const images = file(apply(imagesFile(n), mi), "train-images-idx3-ubyte" + (how === "raw" ? "" : ".gz"));
          const labels = file(apply(encodeIdx([n], new Uint8Array(n).fill(3)), ml), "train-labels-idx1-ubyte" + (how === "raw" ? "" : ".gz"));
          try {
            const s = loadSplit(images, labels);
            expect(s.images.length).toBe(s.n * 784);
            expect(s.labels.length).toBe(s.n);
          } catch (e) {
            if (!(e instanceof NinrError)) throw new Error(`not a NinrError: ${String((e as Error)?.stack ?? e).slice(0, 2000)}`);
            expect((e as Error).message).not.toMatch(/\n/);
          }
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("a gzip bomb stops at the size cap with a NinrError, without inflating it all", () => {
    // gzip members concatenate: 1 MiB of zeros compressed (~1 KB), repeated past the cap.
    const member = gzipSync(new Uint8Array(2 ** 20));
    const copies = MAX_DATA_FILE_BYTES / 2 ** 20 + 8;
    const bomb = new Uint8Array(member.length * copies);
    for (let i = 0; i < copies; i++) bomb.set(member, i * member.length);
    const p = file(bomb, "train-images-idx3-ubyte.gz");
    const before = process.memoryUsage().rss;
    expect(() => loadSplit(p, p)).toThrow(/decompresses to more than \d+ bytes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(2 * MAX_DATA_FILE_BYTES);
  });
});
