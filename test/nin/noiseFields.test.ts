/**
 * Structured NIN noise (src/nin/noiseFields.ts, src/nin/noisePileup.ts) against fixed-seed
 * statistics, every tolerance five standard errors computed from the sample size: the
 * zero-length field is the white case, the correlation at lag d is the kernel's, the marginal
 * variance is sigma^2 at every pixel, pile-up counts are Poisson; draws are a function of the key;
 * the curvature and the jitted training step run with every kind.
 */
import { describe, expect, it } from "vitest";
import { nn, numpy as np, random, tree } from "@jax-js/jax";
import { resolveConfig } from "../../src/config.ts";
import { syntheticDataset } from "../../src/data/synthetic.ts";
import { registerDataset } from "../../src/data/registry.ts";
import { measureCurvature } from "../../src/dynamics/curvature.ts";
import { buildNetwork } from "../../src/models/network.ts";
import { sampleEps } from "../../src/nin/noise.ts";
import { fieldCorrelation, kernelTaps, sampleCorrelatedField } from "../../src/nin/noiseFields.ts";
import { drawPileup, pileupMoments, pileupNoise, poissonCap } from "../../src/nin/noisePileup.ts";
import { buildNoise, noiseNames } from "../../src/nin/noiseRegistry.ts";
import type { NinSite } from "../../src/nin/sites.ts";
import { makeStepFns } from "../../src/train/step.ts";
import { initialParams } from "../../src/train/loop.ts";

const site = (shape: number[]): NinSite => ({ name: "nin0", kind: "conv", shape, fanIn: 9, role: "input" });
const read = async (a: np.Array) => Float64Array.from((await a.data()) as Float32Array);

/** Mean and standard error of per-sample statistics (samples are independent; pixels within one are not). */
function meanSe(xs: number[]): { mean: number; se: number } {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, se: Math.sqrt(v / xs.length) };
}

/** Per-sample averages over a [B, H, W, C] field: mean, second moment, lag products along H, W and C. */
function perSample(v: Float64Array, [B, H, W, C]: number[], lag: number) {
  const at = (b: number, i: number, j: number, c: number) => v[((b * H + i) * W + j) * C + c];
  const out = { m1: [] as number[], m2: [] as number[], m4: [] as number[], lagH: [] as number[], lagW: [] as number[], lagC: [] as number[] };
  for (let b = 0; b < B; b++) {
    let [s1, s2, s4, sh, sw, sc, nh, nw, nc] = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let c = 0; c < C; c++) {
          const x = at(b, i, j, c);
          s1 += x;
          s2 += x * x;
          s4 += x ** 4;
          if (i + lag < H) (sh += x * at(b, i + lag, j, c)), nh++;
          if (j + lag < W) (sw += x * at(b, i, j + lag, c)), nw++;
          if (c + 1 < C) (sc += x * at(b, i, j, c + 1)), nc++;
        }
    const n = H * W * C;
    out.m1.push(s1 / n);
    out.m2.push(s2 / n);
    out.m4.push(s4 / n);
    out.lagH.push(sh / nh);
    out.lagW.push(sw / nw);
    if (nc) out.lagC.push(sc / nc);
  }
  return out;
}

/** |got - want| within five standard errors. */
const within = (s: { mean: number; se: number }, want: number, what: string) =>
  expect(Math.abs(s.mean - want), `${what}: ${s.mean} vs ${want} (se ${s.se})`).toBeLessThan(5 * s.se);

describe("correlated Gaussian field", () => {
  const sigma = 1.7;
  const shape = [2000, 8, 8, 2];

  it("length 0 reproduces the white case: mean 0, variance sigma^2, kurtosis 3, no correlation", async () => {
    const v = await read(sampleCorrelatedField(random.key(1), shape[0], shape.slice(1), sigma, 0));
    const s = perSample(v, shape, 1);
    within(meanSe(s.m1), 0, "mean");
    within(meanSe(s.m2), sigma ** 2, "variance");
    within(meanSe(s.m4), 3 * sigma ** 4, "fourth moment (Gaussian: 3 sigma^4)");
    within(meanSe(s.lagH), 0, "lag-1 along H");
    within(meanSe(s.lagW), 0, "lag-1 along W");
    within(meanSe(s.lagC), 0, "across channels");
    // The same marginal as the white scalar eps of the same sigma (src/nin/noise.ts).
    const white = Array.from(await read(sampleEps(random.key(2), 20_000, sigma, "gaussian")));
    within(meanSe(white.map((x) => x * x)), sigma ** 2, "white scalar variance");
    within(meanSe(white.map((x) => x ** 4)), 3 * sigma ** 4, "white scalar fourth moment");
  });

  it("the kernel's correlation: rho(d) ~ exp(-d^2 / (2 l^2)), and the sampled field has it", async () => {
    // The discrete kernel samples the Gaussian finely enough from l = 1.5 on (|error| < 1e-4;
    // at l = 1 the lag-1 value is 0.589 against 0.607).
    for (const l of [1.5, 2, 3]) for (const d of [1, 2, 3, 5]) expect(fieldCorrelation(l, d)).toBeCloseTo(Math.exp(-(d * d) / (2 * l * l)), l === 1.5 ? 4 : 5);
    expect(fieldCorrelation(2, 0)).toBeCloseTo(1, 12);
    const l = 2;
    const sh = [1000, 12, 10, 2];
    const v = await read(sampleCorrelatedField(random.key(3), sh[0], sh.slice(1), sigma, l));
    for (const d of [1, 2, 4]) {
      const s = perSample(v, sh, d);
      within(meanSe(s.lagH), sigma ** 2 * fieldCorrelation(l, d), `lag ${d} along H`);
      within(meanSe(s.lagW), sigma ** 2 * fieldCorrelation(l, d), `lag ${d} along W`);
      if (d === 1) within(meanSe(s.lagC), 0, "channels are independent fields");
    }
  });

  it("marginal variance sigma^2 at every pixel, corners included", async () => {
    const [B, H, W] = [4000, 6, 6];
    const v = await read(sampleCorrelatedField(random.key(4), B, [H, W, 1], sigma, 2.5));
    for (const [i, j] of [[0, 0], [0, 5], [3, 3], [5, 0]]) {
      const xs = Array.from({ length: B }, (_, b) => v[(b * H + i) * W + j] ** 2);
      within(meanSe(xs), sigma ** 2, `pixel (${i}, ${j})`);
    }
  });

  it("rejects a negative length", () => {
    expect(() => kernelTaps(-1)).toThrow(/>= 0/);
    expect(() => resolveConfig({ noise: "correlated", noiseLength: -1 })).toThrow(/config 'noiseLength' must be >= 0, got -1/);
  });
});

describe("pile-up noise", () => {
  const o = { rate: 2.5, size: 1.5 };

  it("counts follow Poisson(mu): mean, variance, P(0) = exp(-mu); the field is zero exactly where no blob fell", async () => {
    const B = 20_000;
    const { counts, field } = drawPileup(random.key(5), B, 6, 6, o);
    const n = Array.from(await read(counts));
    const f = await read(field);
    const mu = o.rate;
    within(meanSe(n), mu, "count mean");
    within(meanSe(n.map((k) => (k - mu) ** 2)), mu, "count variance");
    within(meanSe(n.map((k) => (k === 0 ? 1 : 0))), Math.exp(-mu), "P(N = 0)");
    expect(Math.max(...n)).toBeLessThanOrEqual(poissonCap(mu));
    for (let b = 0; b < 500; b++) {
      const sum = f.subarray(b * 36, (b + 1) * 36).reduce((a, x) => a + x, 0);
      if (n[b] === 0) expect(sum).toBe(0);
      else expect(sum).toBeGreaterThan(0);
    }
  });

  it("raw deposits have Campbell's mean and variance per pixel (borders included)", async () => {
    const B = 20_000;
    const { counts, field } = drawPileup(random.key(6), B, 6, 6, o);
    counts.dispose();
    const f = await read(field);
    const { mean, variance } = pileupMoments(6, 6, o);
    for (const p of [0, 14, 35]) {
      const xs = Array.from({ length: B }, (_, b) => f[b * 36 + p]);
      within(meanSe(xs), mean[p], `mean at pixel ${p}`);
      within(meanSe(xs.map((x) => (x - mean[p]) ** 2)), variance[p], `variance at pixel ${p}`);
    }
  });

  it.each([true, false])("zeroMean %s: eps has variance sigma^2 and mean 0 (or sigma m / sqrt(v)), the same in every channel", async (zeroMean) => {
    const sigma = 0.8;
    const B = 20_000;
    const eps = await read(pileupNoise(sigma, { ...o, zeroMean }).sample(random.key(7), B, site([5, 7, 2])));
    const { mean, variance } = pileupMoments(5, 7, o);
    for (const p of [0, 17, 34]) {
      const xs = Array.from({ length: B }, (_, b) => eps[(b * 35 + p) * 2]);
      const want = zeroMean ? 0 : (sigma * mean[p]) / Math.sqrt(variance[p]);
      within(meanSe(xs), want, `mean at pixel ${p}`);
      within(meanSe(xs.map((x) => (x - want) ** 2)), sigma ** 2, `variance at pixel ${p}`);
      for (let b = 0; b < 50; b++) expect(eps[(b * 35 + p) * 2 + 1]).toBe(eps[(b * 35 + p) * 2]);
    }
  });
});

describe("every kind: determinism, shapes, the curvature and the training step", () => {
  const spec = { sigma: 0.5, noiseLength: 1.5, pileupRate: 2, pileupSize: 1, pileupZeroMean: true };

  it.each(["gaussian", "uniform", "correlated", "pileup"])("%s: same key same draw, another key another; fields [B, H, W, C] at conv sites, scalars at dense ones", async (noise) => {
    const nm = buildNoise({ ...spec, noise });
    const s = site([6, 4, 3]);
    const a = await read(nm.sample(random.key(8), 5, s));
    const b = await read(nm.sample(random.key(8), 5, s));
    const c = await read(nm.sample(random.key(9), 5, s));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(a.length).toBe(nm.scalar ? 5 : 5 * 6 * 4 * 3);
    const fc = nm.sample(random.key(8), 5, { ...s, kind: "fc", shape: [7] });
    expect(fc.shape).toEqual([5]);
    fc.dispose();
  });

  it("the registry knows the kinds and the config validates the new keys", () => {
    expect(noiseNames()).toEqual(expect.arrayContaining(["gaussian", "uniform", "correlated", "pileup"]));
    expect(() => resolveConfig({ noise: "speckle" })).toThrow(/config 'noise' must be one of gaussian\|uniform\|correlated\|pileup/);
    expect(() => resolveConfig({ noise: "pileup", pileupRate: 0 })).toThrow(/config 'pileupRate' must be > 0, got 0/);
    expect(resolveConfig({}).pileupZeroMean).toBe(true);
  });

  const DATA = syntheticDataset({ shape: [8, 8, 2], classes: 3, nTrain: 64, nTest: 16, seed: 2 });
  registerDataset({ name: "synthetic-noise", description: "test data", load: () => ({ ...DATA, name: "synthetic-noise" }) });

  it.each(["correlated", "pileup"])("%s: lambda_noise (sampled noise) and a jitted training step run on a CNN with cNINR on both convs", async (noise) => {
    const cfg = resolveConfig({ ...spec, dataset: "synthetic-noise", model: "cnn", nin: "nin0,nin1", noise, batch: 16, lr: 0.05 });
    expect(buildNetwork(cfg, DATA).noise.kind).toBe(noise);
    const { params, state } = initialParams(cfg, DATA);
    const r = await measureCurvature(cfg, DATA, params, state, DATA.train, { batches: 1, batchSize: 16, iters: 4, which: { noise: true, hessian: false, niw: false }, timeGradient: false });
    expect(r.lambda_noise!).toBeGreaterThan(0);
    const fns = makeStepFns(cfg, DATA);
    const x = np.array(DATA.train.images.subarray(0, 16 * 128), { shape: [16, 128] });
    const oneHot = nn.oneHot(np.array(Array.from(DATA.train.labels.subarray(0, 16)), { dtype: np.int32 }), 3).astype(np.float32);
    const [p, s, opt, loss, correct] = fns.trainStep(tree.ref(params), tree.ref(state), fns.init(tree.ref(params)), x, oneHot, random.key(1));
    expect(Number.isFinite((await read(loss))[0])).toBe(true);
    tree.dispose([p, s, opt, correct, params, state]);
    fns.dispose();
  });
});
