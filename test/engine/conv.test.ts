import { describe, expect, it } from "vitest";
import { grad, jit, lax, numpy as np, random } from "@jax-js/jax";
import { type ConvForm, conv2dSame, maxPool2 } from "../../src/engine/conv.ts";

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe("im2col convolution", () => {
  it.each([
    [2, 6, 6, 3, 4],
    [3, 14, 14, 8, 5],
    [1, 28, 28, 1, 32],
    [2, 8, 8, 6, 5], // the backward form pads 6 input channels to 8
  ])("equals lax.conv (SAME) in both forms for B=%i H=%i W=%i Cin=%i Cout=%i", async (B, H, W, Cin, Cout) => {
    const x = random.normal(random.key(1), [B, H, W, Cin]);
    const k = random.normal(random.key(2), [3, 3, Cin, Cout]);
    // lax.conv works in NCHW / OIHW.
    const ref = await lax.conv(x.ref.transpose([0, 3, 1, 2]), k.ref.transpose([3, 2, 0, 1]), [1, 1], "SAME").transpose([0, 2, 3, 1]).data();
    for (const form of ["im2col", "backward"] as const) {
      const ours = await conv2dSame(x.ref, k.ref, form).data();
      expect(ours.length).toBe(ref.length);
      expect(maxAbsDiff(ours, ref), form).toBeLessThan(1e-4);
    }
    x.dispose();
    k.dispose();
  });

  it.each([
    [3, 8, 8, 1, 6],
    [2, 6, 6, 6, 5], // padded to 8 channels in the backward form
    [2, 6, 6, 16, 5],
  ])("both forms have the same gradients (x and kernel) for B=%i H=%i W=%i Cin=%i Cout=%i", async (B, H, W, Cin, Cout) => {
    const x = random.normal(random.key(3), [B, H, W, Cin]);
    const k = random.normal(random.key(4), [3, 3, Cin, Cout]);
    const r = random.normal(random.key(5), [B, H, W, Cout]);
    const grads = async (form: ConvForm) => {
      const g = jit(grad((p: { x: np.Array; k: np.Array }) => conv2dSame(p.x, p.k, form).mul(r.ref).sum()));
      const out = g({ x: x.ref, k: k.ref }) as { x: np.Array; k: np.Array };
      const res = { x: await out.x.data(), k: await out.k.data() };
      g.dispose();
      return res;
    };
    const a = await grads("im2col");
    const b = await grads("backward");
    expect(maxAbsDiff(a.x, b.x)).toBeLessThan(1e-4);
    expect(maxAbsDiff(a.k, b.k)).toBeLessThan(1e-3);
    expect(Math.max(...Array.from(a.k as Float32Array).map(Math.abs))).toBeGreaterThan(0.1);
    x.dispose();
    k.dispose();
    r.dispose();
  });

  it("max-pools 2x2 windows", async () => {
    // [1, 2, 4, 1]: two windows with maxima 6 and 8.
    const x = np.array([1, 5, 2, 8, 6, 3, 7, 4]).reshape([1, 2, 4, 1]);
    expect(maxPool2(x).js()).toEqual([[[[6], [8]]]]);
  });
});
