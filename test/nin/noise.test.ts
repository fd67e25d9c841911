import { describe, expect, it } from "vitest";
import { random } from "@jax-js/jax";
import { sampleEps } from "../../src/nin/noise.ts";

const N = 200_000;
async function moments(kind: "gaussian" | "uniform", sigma: number, seed: number) {
  const v = (await sampleEps(random.key(seed), N, sigma, kind).data()) as Float32Array;
  let m = 0;
  for (const x of v) m += x;
  m /= N;
  let s2 = 0;
  let m4 = 0;
  for (const x of v) {
    s2 += (x - m) ** 2;
    m4 += (x - m) ** 4;
  }
  return { mean: m, variance: s2 / N, kurtosis: m4 / N / (s2 / N) ** 2, values: v };
}

describe("NIN noise (fixed-seed statistics)", () => {
  it.each(["gaussian", "uniform"] as const)("%s: mean 0, variance sigma^2", async (kind) => {
    const sigma = 2.5;
    const { mean, variance } = await moments(kind, sigma, 7);
    // Standard error of the mean is sigma/sqrt(N) = 0.0056; allow 5 of them.
    expect(Math.abs(mean)).toBeLessThan((5 * sigma) / Math.sqrt(N));
    expect(variance / sigma ** 2).toBeGreaterThan(0.98);
    expect(variance / sigma ** 2).toBeLessThan(1.02);
  });

  it("has the right shape of distribution (kurtosis 3 for Gaussian, 1.8 for uniform)", async () => {
    expect((await moments("gaussian", 1, 3)).kurtosis).toBeCloseTo(3, 1);
    expect((await moments("uniform", 1, 3)).kurtosis).toBeCloseTo(1.8, 1);
  });

  it("uniform noise stays within sqrt(3) sigma", async () => {
    const { values } = await moments("uniform", 2, 1);
    const bound = Math.sqrt(3) * 2;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(hi).toBeLessThanOrEqual(bound + 1e-5);
    expect(lo).toBeGreaterThanOrEqual(-bound - 1e-5);
    expect(hi).toBeGreaterThan(0.99 * bound); // and it fills the interval
  });

  it("same key, same draw; different key, different draw", async () => {
    const a = await sampleEps(random.key(5), 16, 1, "gaussian").data();
    const b = await sampleEps(random.key(5), 16, 1, "gaussian").data();
    const c = await sampleEps(random.key(6), 16, 1, "gaussian").data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});
