import { describe, it, expect } from "vitest";
import { batchIndices, gather, holdout, stratifiedPick, subset } from "../../src/data/split.ts";
import type { Split } from "../../src/data/dataset.ts";
import { HostRng } from "../../src/engine/hostRng.ts";
import { NinrError } from "../../src/errors.ts";

/** n examples of d features; example i has every feature = i and label i % 10. */
function fake(n: number, d = 4): Split {
  const images = new Float32Array(n * d);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    images.fill(i, i * d, (i + 1) * d);
    labels[i] = i % 10;
  }
  return { images, labels, n };
}
const ids = (s: Split, d = 4) => Array.from({ length: s.n }, (_, k) => s.images[k * d]);

describe("holdout", () => {
  it("is deterministic, disjoint, covering, and keeps rows intact", () => {
    const s = fake(1000);
    const a = holdout(s, 100, 7);
    const b = holdout(s, 100, 7);
    expect(a.holdout.n).toBe(100);
    expect(a.fit.n).toBe(900);
    expect(a.holdout.images).toEqual(b.holdout.images);
    expect(a.fit.labels).toEqual(b.fit.labels);
    const h = ids(a.holdout);
    const f = ids(a.fit);
    const all = new Set([...h, ...f]);
    expect(all.size).toBe(1000);
    expect(h).toEqual([...h].sort((x, y) => x - y)); // original order kept
    for (let k = 0; k < a.fit.n; k++) {
      expect(a.fit.labels[k]).toBe(f[k] % 10);
      expect(a.fit.images[k * 4 + 3]).toBe(f[k]);
    }
    const c = holdout(s, 100, 8);
    expect(ids(c.holdout)).not.toEqual(h);
  });

  it("rejects sizes that leave no fit set", () => {
    expect(() => holdout(fake(10), 10, 0)).toThrow(NinrError);
    expect(() => holdout(fake(10), -1, 0)).toThrow(/from 0 to 9/);
  });
});

describe("subset", () => {
  it("is deterministic and nested for a fixed seed", () => {
    const s = fake(500);
    const a = ids(subset(s, 50, 3));
    expect(a).toEqual(ids(subset(s, 50, 3)));
    expect(new Set(a).size).toBe(50);
    const big = new Set(ids(subset(s, 200, 3)));
    for (const i of a) expect(big.has(i)).toBe(true);
    expect(ids(subset(s, 500, 3))).toEqual(ids(s));
  });

  it("tells the maximum when n is too large", () => {
    expect(() => subset(fake(30), 31, 0)).toThrow(NinrError);
    expect(() => subset(fake(30), 31, 0)).toThrow(/has 30 examples; use an integer from 1 to 30/);
  });
});

describe("gather / batchIndices", () => {
  it("gathers rows in index order", () => {
    const { x, y } = gather(fake(20), Int32Array.from([5, 2, 19]));
    expect(Array.from(x)).toEqual([5, 5, 5, 5, 2, 2, 2, 2, 19, 19, 19, 19]);
    expect(Array.from(y)).toEqual([5, 2, 9]);
    expect(() => gather(fake(20), Int32Array.from([20]))).toThrow(RangeError);
  });

  it("cuts a shuffled epoch, keeping the partial last batch", () => {
    const rng = new HostRng(1);
    const e1 = batchIndices(150, 64, rng);
    expect(e1.map((b) => b.length)).toEqual([64, 64, 22]);
    const seen = e1.flatMap((b) => Array.from(b)).sort((a: number, b: number) => a - b);
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => i));
    const e2 = batchIndices(150, 64, rng);
    expect(Array.from(e2[0])).not.toEqual(Array.from(e1[0])); // rng advanced
    const again = batchIndices(150, 64, new HostRng(1));
    expect(again.map((b) => Array.from(b))).toEqual(e1.map((b) => Array.from(b)));
    expect(batchIndices(128, 64, new HostRng(0)).map((b) => b.length)).toEqual([64, 64]);
    expect(() => batchIndices(10, 0, rng)).toThrow(NinrError);
  });

  it("stratifiedPick takes perClass of each class, sorted", () => {
    const labels = fake(300).labels;
    const idx = stratifiedPick(labels, 5, new HostRng(0));
    expect(idx.length).toBe(50);
    expect(Array.from(idx)).toEqual(Array.from(idx).sort((a, b) => a - b));
    const counts = new Array(10).fill(0);
    for (const i of idx) counts[labels[i]]++;
    expect(counts).toEqual(new Array(10).fill(5));
    expect(() => stratifiedPick(labels, 31, new HostRng(0))).toThrow(/class 0 has only 30/);
  });
});
