/**
 * A network: a registered model with its noise injection nodes (docs/method.md §1). This is
 * where the model contract meets the method: the placement picks which of the model's NIN
 * sites carry a NIN, the NIWs `${site}.theta` join the parameters, and `apply` hands the model
 * an injector that adds theta * eps at those sites. Training, evaluation, the NIW probe and the
 * curvature all go through a Network, so they work for any model in the registry.
 *
 * Ownership (jax-js): `init` consumes its key; `apply` consumes params, state, x and every
 * array in ctx; `drawEps` consumes its key.
 */
import type { numpy as np } from "@jax-js/jax";
import type { ConvForm } from "../engine/conv.ts";
import { splitN } from "../engine/keys.ts";
import { inject } from "../nin/inject.ts";
import type { NoiseModel } from "../nin/noise.ts";
import { buildNoise } from "../nin/noiseRegistry.ts";
import { type NinSite, isNiw, parsePlacement, placeNins, thetaName } from "../nin/sites.ts";
import { type CninShape, type ThetaInit, initTheta, thetaShape } from "../nin/theta.ts";
import type { WeightInit } from "../engine/init.ts";
import type { DataShape, Model, ModelState, Params } from "./model.ts";
import { buildModel } from "./registry.ts";

/** The config keys a network is built from (part of RunConfig, src/config.ts). */
export type NetworkSpec = {
  /** Architecture: a name in the model registry ("mlp", "cnn", ...). */
  model: string;
  /** MLP layer widths, input features first, classes last. Ignored by other models. */
  widths: number[];
  /** ResNet base width (64 = the standard ResNet-18). Ignored by other models. */
  width?: number;
  /** Weight and bias initialisation scheme (src/models/init.ts); default NIWs follow it. */
  init: WeightInit;
  /** Where NINs go: none, input (in-NINR), all (full-NINR, before every weight layer), or a comma list of site names. */
  nin: string;
  /** full-NINR only: also a NIN before the logit layer (default true). */
  ninLogit: boolean;
  /** Noise scale: eps has standard deviation sigma. 0 makes NINR compute the plain model. */
  sigma: number;
  /** Noise kind, a name in the noise registry (src/nin/noiseRegistry.ts): gaussian, uniform, correlated, pileup, ... */
  noise: string;
  /** Structured noise (docs/method.md §6.1): correlated's length in cells, pileup's rate, blob size and mean subtraction. Default NOISE_DEFAULTS. */
  noiseLength?: number;
  pileupRate?: number;
  pileupSize?: number;
  pileupZeroMean?: boolean;
  thetaInit: ThetaInit;
  /** Scale for thetaInit "normal" / "uniform". */
  thetaScale: number;
  cninShape: CninShape;
};

export type NetworkCtx = {
  train: boolean;
  /** eps per NIN site name, [B] (or [B, ...site.shape] for field noise). Missing = eps 0 (test time). */
  eps?: Map<string, np.Array>;
  dropout?: { p: number; key: np.Array };
  convForm?: ConvForm;
  /**
   * Added to the representation at a NIN site after the injection, [B, ...site.shape]: the
   * point at which per-sample Jacobians with respect to a site are taken (niwJacobian.ts).
   */
  shift?: Map<string, np.Array>;
};

export type Network = {
  model: Model;
  /** The sites that carry a NIN, in the model's order. */
  sites: NinSite[];
  /** Index of each NIN site in the model's declared sites (reported as `nin_layers`). */
  siteIndices: number[];
  noise: NoiseModel;
  /** Consumes key. */
  init(key: np.Array): { params: Params; state: ModelState };
  apply(params: Params, state: ModelState, x: np.Array, ctx: NetworkCtx): { logits: np.Array; state: ModelState };
  /** Fresh eps for every NIN site. Consumes key. */
  drawEps(key: np.Array, batch: number, noise?: NoiseModel): Map<string, np.Array>;
  /** Shapes of every parameter (NIWs included) and state entry. */
  shapes(): { params: Record<string, number[]>; state: Record<string, number[]> };
  /** Parameters L2 acts on (the model's weights; never NIWs). */
  isWeight(name: string): boolean;
};

export function buildNetwork(spec: NetworkSpec, data: DataShape): Network {
  const model = buildModel(spec.model, { ...data, widths: spec.widths, init: spec.init, width: spec.width });
  const sites = placeNins(model.sites, parsePlacement(spec.nin), { logit: spec.ninLogit });
  const siteIndices = sites.map((s) => model.sites.indexOf(s));
  const noise = buildNoise(spec);
  const thetaOpts = { thetaInit: spec.thetaInit, thetaScale: spec.thetaScale, cninShape: spec.cninShape, weightInit: spec.init };

  return {
    model,
    sites,
    siteIndices,
    noise,
    /**
     * The model's parameters from one key branch and the NIWs from another, so adding NINs never
     * changes the other weights' draws (sigma = 0 then equals the plain model); site i of the
     * model always takes NIW key i, whichever sites are placed.
     */
    init(key) {
      const [wKey, ninKey] = splitN(key, 2);
      const { params, state } = model.init(wKey);
      const ninKeys = splitN(ninKey, model.sites.length);
      model.sites.forEach((site, i) => {
        if (sites.includes(site)) params[thetaName(site.name)] = initTheta(ninKeys[i], site, thetaOpts);
        else ninKeys[i].dispose();
      });
      return { params, state };
    },
    apply(params, state, x, ctx) {
      const own: Params = {};
      const thetas = new Map<string, np.Array>();
      for (const [k, v] of Object.entries(params)) {
        if (isNiw(k)) thetas.set(k.slice(0, -".theta".length), v);
        else own[k] = v;
      }
      const eps = new Map(ctx.eps ?? []); // a copy: entries are taken out as they are used
      const shift = new Map(ctx.shift ?? []);
      const byName = new Map(sites.map((s) => [s.name, s]));
      const injectAt = (name: string, h: np.Array) => {
        const site = byName.get(name);
        const theta = thetas.get(name);
        const e = eps.get(name);
        const d = shift.get(name);
        shift.delete(name);
        if (site && theta && e) {
          thetas.delete(name);
          eps.delete(name);
          h = inject(site, h, theta, e);
        }
        return d ? h.add(d) : h;
      };
      const out = model.apply(own, state, x, { train: ctx.train, inject: injectAt, dropout: ctx.dropout, convForm: ctx.convForm });
      // NIWs without eps (test time) and any eps the model never reached are released.
      for (const t of thetas.values()) t.dispose();
      for (const e of eps.values()) e.dispose();
      for (const d of shift.values()) d.dispose();
      return out;
    },
    drawEps(key, batch, nm = noise) {
      const out = new Map<string, np.Array>();
      if (sites.length === 0) {
        key.dispose();
        return out;
      }
      const keys = splitN(key, sites.length);
      sites.forEach((s, j) => out.set(s.name, nm.sample(keys[j], batch, s)));
      return out;
    },
    shapes() {
      const { params, state } = model.shapes();
      const all = { ...params };
      for (const s of sites) all[thetaName(s.name)] = thetaShape(s, spec.cninShape);
      return { params: all, state };
    },
    isWeight: (n) => !isNiw(n) && model.isWeight(n),
  };
}
