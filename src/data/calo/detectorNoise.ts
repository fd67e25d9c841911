/**
 * `detectorNoise`: the generator's own detector noise as a structured NIN NoiseModel (field noise,
 * one value per input entry, [B, H, W, C]) drawn on the device from a jax-js key:
 *   electronic  per cell N(0, sigma_l noiseScale), one value over the k x k pixels of a coarse
 *               cell exactly as the images are resampled;
 *   pile-up     a Poisson process of soft deposits: every fine pixel is a source with probability
 *               p = (particles per window) / (H W) (the Bernoulli limit of the generator's Poisson
 *               clusters, without their clustering), energy ~ Exp(pileupPt), a third photon-like and
 *               the rest hadron-like, spread by the generator's Gaussian blob (width 0.02, a 5 x 5
 *               kernel) with its longitudinal sharing, summed over coarse cells; the expected
 *               value is subtracted (pile-up offset subtraction), so eps has mean 0.
 * Both are calibrated, divided by energyUnit and multiplied by the channel gains of the nominal
 * domain, exactly like the Dataset's images (src/data/calo/dataset.ts). The field is then scaled so that
 * its per-entry RMS, averaged over all entries, is `sigma` (the NoiseModel contract); `physicalRms`
 * is the RMS of the unscaled field, so sigma = physicalRms injects exactly the generator's noise.
 * Only a NIN site on the input image (shape = the image shape) can take it.
 */
import { numpy as np, random } from "@jax-js/jax";
import { conv2dSame } from "../../engine/conv.ts";
import { splitN } from "../../engine/keys.ts";
import { NinrError } from "../../errors.ts";
import type { NoiseModel } from "../../nin/noise.ts";
import type { NinSite } from "../../nin/sites.ts";
import { type CaloConfig, caloConfig } from "./config.ts";
import { channelGains } from "./generate.ts";
import { FINE_CELL, imageShapeOf, makeGeometry } from "./geometry.ts";
import { PHYSICS } from "./particles.ts";

const KERNEL_HALF = 2;

/** The 5 x 5 fine-pixel kernel of a unit Gaussian blob centred on a pixel (normalised). */
function blobKernel(): Float64Array {
  const s = PHYSICS.pileupWidth / FINE_CELL;
  const m = 2 * KERNEL_HALF + 1;
  const k = new Float64Array(m * m);
  let t = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) t += k[i * m + j] = Math.exp(-((i - KERNEL_HALF) ** 2 + (j - KERNEL_HALF) ** 2) / (2 * s * s));
  for (let i = 0; i < k.length; i++) k[i] /= t;
  return k;
}

export type DetectorNoise = NoiseModel & { physicalRms: number; config: CaloConfig };

export function detectorNoise(sigma: number, config: CaloConfig = caloConfig("nominal")): DetectorNoise {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new NinrError(`detector noise sigma must be a finite number >= 0, got ${sigma}`);
  const g = makeGeometry(config.windowCells);
  const [H, W, C] = imageShapeOf(g);
  const kernel = blobKernel();
  const m = 2 * KERNEL_HALF + 1;
  const u = config.energyUnit;
  // Per channel: calibration x (1 / energyUnit) x the Dataset's gain, so the field is in the units of its images.
  const gains = channelGains(caloConfig("nominal", { windowCells: config.windowCells }));
  const calib = g.layers.map((l, c) => (l.spec.kind === "ecal" ? config.ecalScale : config.hcalScale) * gains[c]);
  const elecSd = g.layers.map((l, c) => ((l.spec.noiseMeV / 1000) * config.noiseScale * calib[c]) / u);
  // Mean pile-up particles whose blob centre falls in the window: clusters over the window + margin, 2.5 particles each.
  const side = g.side;
  const perWindow = config.pileupMu * 2.5 * (side * side) / ((side + 0.2) * (side + 0.2));
  const p = Math.min(0.5, perWindow / (H * W));
  const pType = [p / 3, (2 * p) / 3];
  const sharing = [PHYSICS.pileupEm, PHYSICS.pileupHad];
  const pt = config.pileupPt;
  // Per-channel variance of the pile-up field (away from the edges): source variance p E[e^2] - (p E[e])^2, e ~ Exp(pt).
  const auto = (di: number, dj: number) => {
    let s = 0;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        const i2 = i + di;
        const j2 = j + dj;
        if (i2 >= 0 && i2 < m && j2 >= 0 && j2 < m) s += kernel[i * m + j] * kernel[i2 * m + j2];
      }
    return s;
  };
  const puVar = g.layers.map((l, c) => {
    const k = l.ratio;
    let blockAuto = 0;
    for (let a = 0; a < k * k; a++) for (let b = 0; b < k * k; b++) blockAuto += auto(Math.floor(a / k) - Math.floor(b / k), (a % k) - (b % k));
    // a pixel of a coarse cell holds the sum over its k x k block (variance: the block's summed autocovariance)
    let v = 0;
    for (let t = 0; t < 2; t++) v += sharing[t][c] ** 2 * (pType[t] * 2 * pt * pt - (pType[t] * pt) ** 2);
    return v * blockAuto * (calib[c] / u) ** 2;
  });
  const physicalRms = Math.sqrt(g.layers.reduce((s, _, c) => s + elecSd[c] ** 2 + puVar[c], 0) / C);
  const scale = physicalRms > 0 ? sigma / physicalRms : 0;
  const kernelHost = new Float32Array(m * m * 2 * C); // [kh, kw, 2, C]
  for (let i = 0; i < m * m; i++) for (let t = 0; t < 2; t++) for (let c = 0; c < C; c++) kernelHost[(i * 2 + t) * C + c] = kernel[i] * sharing[t][c] * (calib[c] / u);
  // Expected blurred pile-up per pixel, with the kernel cut at the window's edges as the zero-padded conv cuts it.
  const puMean = new Float32Array(H * W * C);
  for (let i = 0; i < H; i++)
    for (let j = 0; j < W; j++) {
      let wIn = 0;
      for (let a = 0; a < m; a++)
        for (let b = 0; b < m; b++) {
          const ii = i + a - KERNEL_HALF;
          const jj = j + b - KERNEL_HALF;
          if (ii >= 0 && ii < H && jj >= 0 && jj < W) wIn += kernel[a * m + b];
        }
      for (let c = 0; c < C; c++) puMean[(i * W + j) * C + c] = wIn * (pType[0] * sharing[0][c] + pType[1] * sharing[1][c]) * pt * (calib[c] / u);
    }

  /** [B, H, W, 1] -> the same with each k x k block replaced by its sum (the coarse cell's energy). */
  const blockSum = (x: np.Array, B: number, k: number) => {
    if (k === 1) return x;
    const n = H / k;
    const mb = np.sum(x.reshape([B, n, k, n, k]), [2, 4]);
    return np.broadcastTo(mb.reshape([B, n, 1, n, 1]), [B, n, k, n, k]).reshape([B, H, W, 1]);
  };
  const blockUp = (x: np.Array, B: number, k: number) => {
    const n = H / k;
    return np.broadcastTo(x.reshape([B, n, 1, n, 1]), [B, n, k, n, k]).reshape([B, H, W, 1]);
  };

  return {
    kind: "detector",
    sigma,
    scalar: false,
    physicalRms,
    config,
    sample(key: np.Array, batch: number, site: NinSite): np.Array {
      if (site.kind !== "conv" || site.shape.length !== 3 || site.shape[0] !== H || site.shape[1] !== W || site.shape[2] !== C) {
        key.dispose();
        throw new NinrError(`detector noise fits only a NIN on the calorimeter image [${H}, ${W}, ${C}]; site ${site.name} has shape [${site.shape}] (use --nin input)`);
      }
      const [kElec, kSrc, kAmp] = splitN(key, 3);
      const elecKeys = splitN(kElec, C);
      const elec = g.layers.map((l, c) => blockUp(random.normal(elecKeys[c], [batch, l.n, l.n]).mul(elecSd[c]), batch, l.ratio));
      const src = random
        .bernoulli(kSrc, np.array(Float32Array.from(pType)), [batch, H, W, 2])
        .astype(np.float32)
        .mul(random.exponential(kAmp, [batch, H, W, 2]).mul(pt));
      const blurred = conv2dSame(src, np.array(kernelHost).reshape([m, m, 2, C])).sub(np.array(puMean).reshape([1, H, W, C]));
      const pu = g.layers.map((l, c) => blockSum(blurred.ref.slice([], [], [], [c, c + 1]), batch, l.ratio));
      blurred.dispose();
      const field = np.concatenate(elec, 3).add(np.concatenate(pu, 3));
      return field.mul(scale);
    },
  };
}
