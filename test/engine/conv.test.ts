import { describe, expect, it } from "vitest";
import { lax, numpy as np, random } from "@jax-js/jax";
import { conv2dSame, maxPool2 } from "../../src/engine/conv.ts";

describe("im2col convolution", () => {
  it.each([
    [2, 6, 6, 3, 4],
    [3, 14, 14, 8, 5],
    [1, 28, 28, 1, 32],
  ])("equals lax.conv (SAME) for B=%i H=%i W=%i Cin=%i Cout=%i", async (B, H, W, Cin, Cout) => {
    const x = random.normal(random.key(1), [B, H, W, Cin]);
    const k = random.normal(random.key(2), [3, 3, Cin, Cout]);
    const ours = await conv2dSame(x.ref, k.ref).data();
    // lax.conv works in NCHW / OIHW.
    const ref = await lax.conv(x.transpose([0, 3, 1, 2]), k.transpose([3, 2, 0, 1]), [1, 1], "SAME").transpose([0, 2, 3, 1]).data();
    expect(ours.length).toBe(ref.length);
    let maxErr = 0;
    for (let i = 0; i < ours.length; i++) maxErr = Math.max(maxErr, Math.abs((ours[i] as number) - (ref[i] as number)));
    expect(maxErr).toBeLessThan(1e-4);
  });

  it("max-pools 2x2 windows", async () => {
    // [1, 2, 4, 1]: two windows with maxima 6 and 8.
    const x = np.array([1, 5, 2, 8, 6, 3, 7, 4]).reshape([1, 2, 4, 1]);
    expect(maxPool2(x).js()).toEqual([[[[6], [8]]]]);
  });
});
