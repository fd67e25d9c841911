/**
 * NIW shapes and initialisation (docs/method.md §1): fcNINR theta [units]; cNINR theta
 * [C, H, W] per channel and pixel, or [H, W] shared over channels. Noise must dominate at the
 * start, so never zeros.
 */
import { numpy as np, random } from "@jax-js/jax";
import { type WeightInit, drawWeight } from "../engine/init.ts";
import type { NinSite } from "./sites.ts";

/**
 * "default": fcNINR like the layer's weights (the run's weight-init scheme) with the NIN counted
 * as one more input (fan_in + 1), cNINR N(0,1); "normal": N(0, scale^2); "uniform": U(-scale, scale).
 */
export type ThetaInit = "default" | "normal" | "uniform";
/** cNINR theta per channel and pixel [C,H,W] ("chw") or shared over channels [H,W] ("hw"). */
export type CninShape = "chw" | "hw";
export type ThetaOptions = { thetaInit: ThetaInit; thetaScale: number; cninShape: CninShape; weightInit: WeightInit };

/** Shape of the NIWs of a site. */
export function thetaShape(site: NinSite, cninShape: CninShape): number[] {
  if (site.kind === "fc") return [site.shape[0]];
  const [h, w, c] = site.shape;
  return cninShape === "hw" ? [h, w] : [c, h, w];
}

/** Initial NIWs of a site. Consumes key. */
export function initTheta(key: np.Array, site: NinSite, opts: ThetaOptions): np.Array {
  const shape = thetaShape(site, opts.cninShape);
  if (opts.thetaInit === "normal") return random.normal(key, shape).mul(opts.thetaScale);
  if (opts.thetaInit === "uniform") return random.uniform(key, shape, { minval: -opts.thetaScale, maxval: opts.thetaScale });
  // Like the layer's weights, the NIN counted as one more input.
  if (site.kind === "fc") return drawWeight(key, shape, { in: site.fanIn + 1, out: site.shape[0] }, opts.weightInit);
  return random.normal(key, shape);
}
