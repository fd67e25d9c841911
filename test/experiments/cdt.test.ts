/**
 * The CDT matching rule (docs/method.md §4): input noise of std s matched to in-NINR noise at
 * initialization, checked against hand-computed values.
 */
import { describe, expect, it } from "vitest";
import { tree } from "@jax-js/jax";
import { resolveConfig } from "../../src/config.ts";
import { matchedCdt, matchedCdtLevel } from "../../src/experiments/compare.ts";
import { initialParams } from "../../src/train/loop.ts";

const FASHION = { inputShape: [28, 28, 1], classes: 10, range: [0, 1] as [number, number] };

describe("matchedCdtLevel", () => {
  it("cNINR: s = sigma * rms(theta)", () => {
    // theta = [3, 4]: rms = sqrt((9 + 16) / 2) = sqrt(12.5) = 3.5355...; sigma 2 -> 7.071
    expect(matchedCdtLevel(2, [3, 4])).toBe(7.071);
  });

  it("fcNINR: s = sigma * rms(theta) / rms_j ||W_j||", () => {
    // theta = [1, 1] (rms 1); W rows [3, 4] and [0, 0]: ||W_j||^2 = 25, 0 -> rms_j ||W_j|| = sqrt(25 / 2) = 3.5355
    // s = 5 * 1 / 3.5355 = 1.41421 -> 4 significant digits 1.414
    expect(matchedCdtLevel(5, [1, 1], { data: [3, 4, 0, 0], nOut: 2 })).toBe(1.414);
    // A shift of z_j by theta_j eps has std sigma |theta_j|; by W_j . n with n ~ N(0, s^2 I) it has std s ||W_j||:
    // with one unit both are sigma |theta| = s ||W||.
    const s = matchedCdtLevel(0.3, [2], { data: [1, 2, 2], nOut: 1 }); // ||W|| = 3 -> s = 0.3 * 2 / 3 = 0.2
    expect(s).toBe(0.2);
  });

  it("matchedCdt reads theta and the fed layer's weights of the model's input site", async () => {
    const cfg = resolveConfig({ model: "mlp", nin: "input", sigma: 10, lr: 0.05, seed: 0 });
    const { params, state } = initialParams(cfg, FASHION);
    const theta = (await params["nin0.theta"].ref.data()) as Float32Array;
    const w = params["layer0.weight"];
    const want = matchedCdtLevel(10, theta, { data: (await w.ref.data()) as Float32Array, nOut: w.shape[0] });
    tree.dispose(params);
    tree.dispose(state);
    expect(await matchedCdt("mlp", 10, 0.05, FASHION)).toBe(want);
    // PyTorch-default init: theta ~ U(+-1/sqrt(785)) (rms 1/sqrt(3*785)), ||W_j|| ~ sqrt(784/(3*784)) = 1/sqrt(3):
    // s ~ sigma / sqrt(785) = 0.357 at sigma 10, within sampling error.
    expect(want).toBeGreaterThan(0.33);
    expect(want).toBeLessThan(0.38);
  });
});
