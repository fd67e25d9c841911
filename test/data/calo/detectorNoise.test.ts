import { describe, expect, it } from "vitest";
import { random } from "@jax-js/jax";
import { caloConfig } from "../../../src/data/calo/config.ts";
import { caloDataset } from "../../../src/data/calo/dataset.ts";
import { detectorNoise } from "../../../src/data/calo/detectorNoise.ts";
import { channelGains } from "../../../src/data/calo/generate.ts";
import { checkSplit } from "../../../src/data/dataset.ts";
import { NinrError } from "../../../src/errors.ts";
import type { NinSite } from "../../../src/nin/sites.ts";

const site: NinSite = { name: "nin0", kind: "conv", shape: [16, 16, 6], fanIn: 54, role: "input" };

async function draw(sigma: number, B: number, seed: number, cfg = caloConfig("nominal")) {
  const dn = detectorNoise(sigma, cfg);
  const e = dn.sample(random.key(seed), B, site);
  expect(e.shape).toEqual([B, 16, 16, 6]);
  return { dn, v: (await e.data()) as Float32Array };
}

describe("detectorNoise (structured NIN noise from the generator's detector model)", () => {
  it("has mean 0 and per-entry RMS sigma", async () => {
    const { v } = await draw(2, 256, 1);
    let s = 0;
    let s2 = 0;
    for (const x of v) {
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / v.length)).toBeLessThan(0.05 * 2);
    expect(Math.sqrt(s2 / v.length) / 2).toBeGreaterThan(0.93);
    expect(Math.sqrt(s2 / v.length) / 2).toBeLessThan(1.07);
  });

  it("with pile-up off, each layer carries the generator's electronic noise, constant over each coarse cell", async () => {
    const cfg = caloConfig("nominal", { pileupMu: 0 });
    const dn = detectorNoise(1, cfg);
    const { v } = await draw(dn.physicalRms, 128, 2, cfg); // sigma = physicalRms: physical units
    const gains = channelGains(caloConfig("nominal"));
    const sd = [13, 34, 41, 75, 50, 25].map((m, c) => (m / 1000 / cfg.energyUnit) * gains[c]); // one cell value per pixel, in the Dataset's units
    for (let c = 0; c < 6; c++) {
      let s2 = 0;
      let n = 0;
      for (let i = c; i < v.length; i += 6) {
        s2 += v[i] * v[i];
        n++;
      }
      expect(Math.sqrt(s2 / n) / sd[c]).toBeGreaterThan(0.9);
      expect(Math.sqrt(s2 / n) / sd[c]).toBeLessThan(1.1);
    }
    // HCAL3 (channel 5): one value per 8 x 8 block
    const px = (b: number, i: number, j: number, c: number) => v[((b * 16 + i) * 16 + j) * 6 + c];
    expect(px(0, 0, 0, 5)).toBe(px(0, 7, 7, 5));
    expect(px(0, 0, 0, 5)).not.toBe(px(0, 8, 8, 5));
  });

  it("is a function of the key, and refuses a site that is not the input image", async () => {
    const a = await draw(1, 4, 7);
    const b = await draw(1, 4, 7);
    expect(a.v).toEqual(b.v);
    const dn = detectorNoise(1);
    expect(() => dn.sample(random.key(0), 2, { ...site, shape: [8, 8, 32] })).toThrow(NinrError);
    expect(() => detectorNoise(-1)).toThrow(/sigma/);
  });
});

describe("calo Dataset", () => {
  it("channel gains standardise the nominal images: every channel has RMS ~1 on fresh events", () => {
    const d = caloDataset({ nTrain: 600, nTest: 10, seed: 4 });
    const sq = new Float64Array(6);
    for (let i = 0; i < d.train.images.length; i++) sq[i % 6] += d.train.images[i] ** 2;
    for (const v of sq) {
      const rms = Math.sqrt(v / (d.train.images.length / 6));
      expect(rms).toBeGreaterThan(0.7);
      expect(rms).toBeLessThan(1.4);
    }
  });

  it("is a valid NHWC Dataset with balanced classes; calo-shifted shares the training set", () => {
    const d = caloDataset({ nTrain: 40, nTest: 20, seed: 1 });
    const s = caloDataset({ nTrain: 40, nTest: 20, seed: 1, testDomain: "shifted" });
    expect(d.inputShape).toEqual([16, 16, 6]);
    checkSplit(d, d.train, "train");
    checkSplit(d, d.test, "test");
    expect(d.train.labels.reduce((a, b) => a + b, 0)).toBe(20);
    expect(s.train.images).toEqual(d.train.images);
    expect(s.test.images).not.toEqual(d.test.images);
    const c = caloDataset({ nTrain: 40, nTest: 20, seed: 1, cdt: true });
    expect(c.name).toBe("calo-cdt");
    expect(c.train.images).not.toEqual(d.train.images);
    expect(c.test.images).toEqual(d.test.images);
  });
});
