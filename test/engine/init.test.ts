/** Weight-init schemes: fixed-seed statistics against each scheme's variance, biases, NIWs. */
import { describe, expect, it } from "vitest";
import { random, tree } from "@jax-js/jax";
import { drawBias, drawWeight, WEIGHT_INITS } from "../../src/engine/init.ts";
import { buildNetwork } from "../../src/models/network.ts";
import { DEFAULT_CONFIG } from "../../src/config.ts";

const variance = (v: Float32Array) => {
  const m = v.reduce((s, x) => s + x, 0) / v.length;
  return v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length;
};

describe("weight init schemes", () => {
  const fan = { in: 400, out: 100 };
  const want: Record<string, number> = { pytorch: 1 / (3 * 400), "he-normal": 2 / 400, "he-uniform": 2 / 400, "glorot-uniform": 2 / 500 };
  it.each(WEIGHT_INITS)("%s: the weights' variance within 3% (40,000 draws), biases as the scheme says", async (scheme) => {
    const w = (await drawWeight(random.key(1), [400, 100], fan, scheme).data()) as Float32Array;
    // std of a sample variance of n draws ~ var * sqrt(2/n) (normal) = 0.7%: 3% is > 4 sigma.
    expect(variance(w) / want[scheme]).toBeGreaterThan(0.97);
    expect(variance(w) / want[scheme]).toBeLessThan(1.03);
    const b = (await drawBias(random.key(2), [100], 400, scheme).data()) as Float32Array;
    if (scheme === "pytorch") expect(Math.max(...Array.from(b, Math.abs))).toBeLessThanOrEqual(1 / 20);
    else expect(Array.from(b).every((x) => x === 0)).toBe(true);
  });

  it("default fcNINR NIWs follow the scheme with fan_in + 1; weights follow --init", async () => {
    const spec = { ...DEFAULT_CONFIG, widths: [784, 512, 10], nin: "all", init: "he-normal" as const };
    const { params } = buildNetwork(spec, { inputShape: [784], classes: 10 }).init(random.key(0));
    const t0 = (await params["nin0.theta"].ref.data()) as Float32Array; // 512 NIWs feeding layer 0: N(0, 2/785)
    expect(variance(t0) / (2 / 785)).toBeGreaterThan(0.8);
    expect(variance(t0) / (2 / 785)).toBeLessThan(1.2);
    const w0 = (await params["layer0.weight"].ref.data()) as Float32Array; // N(0, 2/784)
    expect(variance(w0) / (2 / 784)).toBeGreaterThan(0.98);
    expect(variance(w0) / (2 / 784)).toBeLessThan(1.02);
    expect(Array.from((await params["layer1.bias"].ref.data()) as Float32Array).every((x) => x === 0)).toBe(true);
    tree.dispose(params);
  });
});
