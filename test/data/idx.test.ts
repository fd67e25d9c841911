import { describe, it, expect } from "vitest";
import { encodeIdx, parseIdx } from "../../src/data/idx.ts";
import { NinrError } from "../../src/errors.ts";

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

describe("IDX", () => {
  it("round-trips 3-D images and 1-D labels", () => {
    const data = Uint8Array.from({ length: 2 * 28 * 28 }, (_, i) => (i * 7) % 256);
    const bytes = encodeIdx([2, 28, 28], data);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0, 0, 8, 3]);
    expect(bytes.length).toBe(16 + data.length);
    const p = parseIdx(bytes, "x.idx");
    expect(p.dims).toEqual([2, 28, 28]);
    expect(p.data).toEqual(data);

    const labels = Uint8Array.from([3, 1, 4, 1, 5, 9]);
    const q = parseIdx(encodeIdx([6], labels), "y.idx");
    expect(q.dims).toEqual([6]);
    expect(q.data).toEqual(labels);
  });

  it("rejects a wrong magic number, naming the file", () => {
    const bytes = encodeIdx([3], Uint8Array.from([1, 2, 3]));
    bytes[2] = 0x0d; // float type
    const e = errorOf(() => parseIdx(bytes, "/tmp/weird-labels"));
    expect(e).toBeInstanceOf(NinrError);
    expect(e.message).toContain("/tmp/weird-labels");
    expect(e.message).toMatch(/magic/);
  });

  it("rejects ranks other than 1 and 3", () => {
    const e = errorOf(() => parseIdx(encodeIdx([2, 2], new Uint8Array(4)), "two-d"));
    expect(e).toBeInstanceOf(NinrError);
    expect(e.message).toMatch(/two-d has 2 dimensions/);
  });

  it("reports truncation with the header's counts and the actual size", () => {
    const bytes = encodeIdx([10, 28, 28], new Uint8Array(10 * 784));
    const e = errorOf(() => parseIdx(bytes.subarray(0, 5000), "imgs.idx"));
    expect(e).toBeInstanceOf(NinrError);
    expect(e.message).toBe(
      "imgs.idx is truncated: header says 10 images of 28x28 (7856 bytes) but file has 5000 bytes; " +
        "re-download / reinstall it (e.g. `apt-get install --reinstall dataset-fashion-mnist`)",
    );
    const short = errorOf(() => parseIdx(bytes.subarray(0, 10), "hdr.idx"));
    expect(short).toBeInstanceOf(NinrError);
    expect(short.message).toMatch(/hdr.idx is truncated/);
  });

  it("rejects trailing bytes", () => {
    const bytes = encodeIdx([2], Uint8Array.from([1, 2]));
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    const e = errorOf(() => parseIdx(longer, "lab.idx"));
    expect(e).toBeInstanceOf(NinrError);
    expect(e.message).toMatch(/lab.idx has trailing bytes: header says 2 labels \(10 bytes\) but file has 13 bytes/);
  });
});
