/**
 * The one batcher (src/data/dataset.ts): hostBatch builds inputs and one-hot targets on the
 * host (what split.ts's oneHot used to check), deviceBatch puts them on the device as
 * x [B, D], y [B, classes].
 */
import { describe, expect, it } from "vitest";
import { deviceBatch, hostBatch } from "../../src/data/dataset.ts";
import type { Split } from "../../src/data/dataset.ts";
import { NinrError } from "../../src/errors.ts";

/** n examples of d features; example i has every feature = i and label `labels[i]`. */
function fake(labels: number[], d = 4): Split {
  const n = labels.length;
  const images = new Float32Array(n * d);
  for (let i = 0; i < n; i++) images.fill(i, i * d, (i + 1) * d);
  return { images, labels: Uint8Array.from(labels), n };
}

describe("hostBatch", () => {
  it("one-hot encodes the labels, rows in index order", () => {
    const info = { inputShape: [4], classes: 10 };
    const { x, y } = hostBatch(info, fake([2, 0, 9]), Int32Array.from([0, 1, 2]));
    expect(y.length).toBe(30);
    expect(Array.from(y.subarray(0, 10))).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(y[10]).toBe(1);
    expect(y[29]).toBe(1);
    expect(y.reduce((a, b) => a + b, 0)).toBe(3);
    expect(Array.from(x)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    // Gathered in the order asked for, features from the input shape (2 x 2 x 1 = 4).
    const b = hostBatch({ inputShape: [2, 2, 1], classes: 10 }, fake([2, 0, 9]), [2, 0]);
    expect(Array.from(b.x)).toEqual([2, 2, 2, 2, 0, 0, 0, 0]);
    expect(Array.from(b.y.subarray(0, 10))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(b.y.subarray(10))).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("a label outside 0..classes-1 is a NinrError; a bad index a RangeError", () => {
    expect(() => hostBatch({ inputShape: [4], classes: 3 }, fake([3]), [0])).toThrow(NinrError);
    expect(() => hostBatch({ inputShape: [4], classes: 3 }, fake([3]), [0])).toThrow(/outside 0\.\.2/);
    expect(() => hostBatch({ inputShape: [4], classes: 10 }, fake([1, 2]), [2])).toThrow(RangeError);
  });
});

describe("deviceBatch", () => {
  it("gives x [B, D] and one-hot y [B, classes] on the device", async () => {
    const info = { inputShape: [2, 2, 1], classes: 5 };
    const { x, y } = deviceBatch(info, fake([4, 1, 3]), Int32Array.from([1, 2]));
    expect(x.shape).toEqual([2, 4]);
    expect(y.shape).toEqual([2, 5]);
    expect(Array.from((await x.data()) as Float32Array)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    expect(Array.from((await y.data()) as Float32Array)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 1, 0]);
  });
});
