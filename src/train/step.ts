/**
 * The jitted functions a training run calls: the train step, batched evaluation and the NIW
 * probe (||theta|| and the output coupling ||J theta||). Everything the step needs from the
 * config is baked in at build time; the step is one fused jax-js program with no host
 * round-trip. Works for any Network (any registered model, any NIN placement); model state
 * (BatchNorm statistics) is threaded through the step.
 */
import { numpy as np, random, jit, jvp, valueAndGrad, tree } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import { splitN } from "../engine/keys.ts";
import type { DataShape, ModelState, Params } from "../models/model.ts";
import { type Network, buildNetwork } from "../models/network.ts";
import { thetaName } from "../nin/sites.ts";
import { crossEntropy, crossEntropySum, correctCount } from "./loss.ts";
import { type OptState, applyUpdates, optimizerFor } from "./optim.ts";

export type TrainStep = (params: Params, state: ModelState, opt: OptState, x: np.Array, y: np.Array, key: np.Array) => [Params, ModelState, OptState, np.Array, np.Array];

/** The data facts the step needs: shape, classes and the value range (CDT clips to it). */
export type StepData = DataShape & { range: [number, number] };

export type StepFns = {
  net: Network;
  /** Indices (in the model's declared sites) of the sites that carry a NIN, in order. */
  ninSites: number[];
  init: (params: Params) => OptState;
  /** (params, state, opt, x [B,D], y one-hot [B,C], key) -> [params, state, opt, loss, correct]. Consumes all. */
  trainStep: TrainStep;
  /** (params, state, x, y, key) -> [summed loss, correct], eval mode. Consumes all; key used only with evalNoise. */
  evalBatch: (params: Params, state: ModelState, x: np.Array, y: np.Array, key: np.Array) => [np.Array, np.Array];
  /**
   * (params, state, x) -> [2, nNins]: row 0 the NIW norms ||theta_i||, row 1 the output coupling
   * ||J theta||_i = RMS over the batch of ||d logits / d eps_i||, centred over classes (the
   * softmax-visible part: only the part of theta the output can see decays, docs/method.md §2).
   * Eval mode. Consumes all.
   */
  probe: (params: Params, state: ModelState, x: np.Array) => np.Array;
  dispose(): void;
};

/**
 * The training loss with everything random in it: NIN noise, dropout, CDT input noise.
 * @returns [mean cross-entropy, [correct count, new model state]]
 */
export function makeTrainLoss(cfg: RunConfig, net: Network, data: StepData) {
  return (params: Params, state: ModelState, x: np.Array, y: np.Array, key: np.Array): [np.Array, [np.Array, ModelState]] => {
    const B = x.shape[0];
    const [ninKey, dropKey, cdtKey] = splitN(key, 3);
    let xin = x;
    if (cfg.cdt > 0) {
      xin = xin.add(random.normal(cdtKey, xin.shape).mul(cfg.cdt));
      if (cfg.cdtClip) xin = np.clip(xin, data.range[0], data.range[1]);
    } else cdtKey.dispose();
    const eps = net.drawEps(ninKey, B);
    const dropout = cfg.dropout > 0 ? { p: cfg.dropout, key: dropKey } : undefined;
    if (!dropout) dropKey.dispose();
    // Reverse mode only (valueAndGrad in trainStep): the backward-friendly convolution form.
    const { logits, state: newState } = net.apply(params, state, xin, { train: true, eps, dropout, convForm: "backward" });
    const loss = crossEntropy(logits.ref, y.ref);
    return [loss, [correctCount(logits, y), newState]];
  };
}

export function makeStepFns(cfg: RunConfig, data: StepData): StepFns {
  const net = buildNetwork(cfg, data);
  const opt = optimizerFor(cfg, net.isWeight);
  const lossFn = makeTrainLoss(cfg, net, data);

  const trainStep = jit((params: Params, state: ModelState, optState: OptState, x: np.Array, y: np.Array, key: np.Array) => {
    const [[loss, [correct, newState]], grads] = valueAndGrad(lossFn, { hasAux: true })(tree.ref(params), state, x, y, key);
    const [updates, newOpt] = opt.update(grads, optState, tree.ref(params));
    return [applyUpdates(params, updates), newState, newOpt, loss, correct] as [Params, ModelState, OptState, np.Array, np.Array];
  });

  const evalBatch = jit((params: Params, state: ModelState, x: np.Array, y: np.Array, key: np.Array) => {
    const eps = cfg.evalNoise ? net.drawEps(key, x.shape[0]) : (key.dispose(), undefined);
    const { logits, state: s } = net.apply(params, state, x, { train: false, eps });
    tree.dispose(s);
    return [crossEntropySum(logits.ref, y.ref), correctCount(logits, y)] as [np.Array, np.Array];
  });

  const probe = jit((params: Params, state: ModelState, x: np.Array) => {
    const B = x.shape[0];
    const thetaNorms = net.sites.map((site) => np.sqrt(np.square(params[thetaName(site.name)].ref).sum()));
    const norms = net.sites.map((site) => {
      // d logits / d eps_site at eps = 0: one forward-mode pass with tangent 1 on that NIN.
      const f = (e: np.Array) => {
        const { logits, state: s } = net.apply(tree.ref(params), tree.ref(state), x.ref, { train: false, eps: new Map([[site.name, e]]) });
        tree.dispose(s);
        return logits;
      };
      const [out, dlogits] = jvp(f, [np.zeros([B])], [np.ones([B])]);
      out.dispose();
      // Only the part the softmax can see: a shift of all logits by the same amount changes no
      // probability and gets no gradient, so it is removed (centred over classes) before the norm.
      const seen = dlogits.ref.sub(dlogits.mean(1, { keepdims: true }));
      return np.sqrt(seen.ref.mul(seen).sum(1).mean());
    });
    tree.dispose(params);
    tree.dispose(state);
    x.dispose();
    return norms.length ? np.stack([np.stack(thetaNorms), np.stack(norms)]) : np.zeros([2, 0]);
  });

  return {
    net,
    ninSites: net.siteIndices,
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
