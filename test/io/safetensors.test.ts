import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.ts";
import { NinrError } from "../../src/errors.ts";

describe("safetensors", () => {
  const tensors = {
    "layer0.weight": { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    "nin0.theta": { shape: [3], data: new Float32Array([-1, 0.5, 1e-8]) },
  };

  it("round-trips tensors and metadata", () => {
    const bytes = encodeSafetensors(tensors, { model: "mlp" });
    const { tensors: back, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ model: "mlp" });
    expect(back["layer0.weight"].shape).toEqual([2, 3]);
    expect(Array.from(back["layer0.weight"].data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(back["nin0.theta"].data)).toEqual(Array.from(tensors["nin0.theta"].data));
  });

  it("follows the format: u64 header length, 8-byte aligned data, F32 offsets", () => {
    const bytes = encodeSafetensors(tensors);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header["layer0.weight"]).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
    expect(header["nin0.theta"].data_offsets).toEqual([24, 36]);
    expect(bytes.length).toBe(8 + n + 36);
  });

  it("rejects truncated files with a NinrError", () => {
    const bytes = encodeSafetensors(tensors);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4), "p.safetensors")).toThrow(NinrError);
    expect(() => decodeSafetensors(bytes.subarray(0, 5), "p.safetensors")).toThrow(/truncated/);
  });
});
