/**
 * The jitted functions a training run calls: the train step, batched evaluation and the NIN
 * output coupling ||J theta||. Everything the step needs from the config is baked in at build
 * time; the step itself is one fused jax-js program with no host round-trip.
 */
import { numpy as np, random, jit, jvp, valueAndGrad, tree } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import { type Layer, layersFor, ninLayerIndices } from "../models/arch.ts";
import { type Params, applyNetwork, isWeight, splitN, thetaName } from "../models/network.ts";
import { sampleEps } from "../nin/noise.ts";
import { crossEntropy, crossEntropySum, correctCount } from "./loss.ts";
import { type OptState, applyUpdates, sgd } from "./optim.ts";

export type TrainStep = (params: Params, opt: OptState, x: np.Array, y: np.Array, key: np.Array) => [Params, OptState, np.Array, np.Array];

export type StepFns = {
  layers: Layer[];
  /** Layer indices that carry a NIN, in order. */
  ninSites: number[];
  init: (params: Params) => OptState;
  /** (params, opt, x [B,784], y one-hot [B,10], key) -> [params, opt, loss, correct]. Consumes all. */
  trainStep: TrainStep;
  /** (params, x, y, key) -> [summed loss, correct]. Consumes all; key used only with evalNoise. */
  evalBatch: (params: Params, x: np.Array, y: np.Array, key: np.Array) => [np.Array, np.Array];
  /**
   * (params, x) -> [2, nNins]: row 0 the NIW norms ||theta_i||, row 1 the output coupling
   * ||J theta||_i = RMS over the batch of ||d logits / d eps_i||, centred over classes (the
   * softmax-visible part, spec 2: "only the part of theta the output can see decays"). Consumes all.
   */
  probe: (params: Params, x: np.Array) => np.Array;
  dispose(): void;
};

/** Draw eps for every NIN site (consumes key). */
function drawEps(key: np.Array, sites: number[], batch: number, cfg: RunConfig): Map<number, np.Array> {
  const eps = new Map<number, np.Array>();
  if (sites.length === 0) {
    key.dispose();
    return eps;
  }
  const keys = splitN(key, sites.length);
  sites.forEach((s, j) => eps.set(s, sampleEps(keys[j], batch, cfg.sigma, cfg.noise)));
  return eps;
}

/**
 * The training loss with everything random in it: NIN noise, dropout, CDT input noise.
 * @returns [mean cross-entropy, [correct count]]
 */
export function makeTrainLoss(cfg: RunConfig) {
  const layers = layersFor(cfg);
  const sites = ninLayerIndices(layers, cfg);
  return (params: Params, x: np.Array, y: np.Array, key: np.Array): [np.Array, np.Array] => {
    const B = x.shape[0];
    const [ninKey, dropKey, cdtKey] = splitN(key, 3);
    let xin = x;
    if (cfg.cdt > 0) {
      xin = xin.add(random.normal(cdtKey, xin.shape).mul(cfg.cdt));
      if (cfg.cdtClip) xin = np.clip(xin, 0, 1);
    } else cdtKey.dispose();
    const eps = drawEps(ninKey, sites, B, cfg);
    const dropout = cfg.dropout > 0 ? { p: cfg.dropout, key: dropKey } : undefined;
    if (!dropout) dropKey.dispose();
    // Reverse mode only (valueAndGrad in trainStep): the backward-friendly convolution form.
    const logits = applyNetwork(params, xin, layers, { eps, dropout, convForm: "backward" });
    const loss = crossEntropy(logits.ref, y.ref);
    return [loss, correctCount(logits, y)];
  };
}

export function makeStepFns(cfg: RunConfig): StepFns {
  const layers = layersFor(cfg);
  const sites = ninLayerIndices(layers, cfg);
  const opt = sgd({ lr: cfg.lr, momentum: cfg.momentum, l2: cfg.l2, l2Mask: isWeight });
  const lossFn = makeTrainLoss(cfg);

  const trainStep = jit((params: Params, state: OptState, x: np.Array, y: np.Array, key: np.Array) => {
    const [[loss, correct], grads] = valueAndGrad(lossFn, { hasAux: true })(tree.ref(params), x, y, key);
    const [updates, newState] = opt.update(grads, state, tree.ref(params));
    return [applyUpdates(params, updates), newState, loss, correct] as [Params, OptState, np.Array, np.Array];
  });

  const evalBatch = jit((params: Params, x: np.Array, y: np.Array, key: np.Array) => {
    const eps = cfg.evalNoise ? drawEps(key, sites, x.shape[0], cfg) : (key.dispose(), undefined);
    const logits = applyNetwork(params, x, layers, { eps });
    return [crossEntropySum(logits.ref, y.ref), correctCount(logits, y)] as [np.Array, np.Array];
  });

  const probe = jit((params: Params, x: np.Array) => {
    const B = x.shape[0];
    const thetaNorms = sites.map((site) => np.sqrt(np.square(params[thetaName(site)].ref).sum()));
    const norms = sites.map((site) => {
      // d logits / d eps_site at eps = 0: one forward-mode pass with tangent 1 on that NIN.
      const f = (e: np.Array) => applyNetwork(tree.ref(params), x.ref, layers, { eps: new Map([[site, e]]) });
      const [out, dlogits] = jvp(f, [np.zeros([B])], [np.ones([B])]);
      out.dispose();
      // Only the part the softmax can see: a shift of all logits by the same amount changes no
      // probability and gets no gradient, so it is removed (centred over classes) before the norm.
      const seen = dlogits.ref.sub(dlogits.mean(1, { keepdims: true }));
      return np.sqrt(seen.ref.mul(seen).sum(1).mean());
    });
    tree.dispose(params);
    x.dispose();
    return norms.length ? np.stack([np.stack(thetaNorms), np.stack(norms)]) : np.zeros([2, 0]);
  });

  return {
    layers,
    ninSites: sites,
    init: (params) => opt.init(params),
    trainStep,
    evalBatch,
    probe,
    dispose() {
      trainStep.dispose();
      evalBatch.dispose();
      probe.dispose();
    },
  };
}
