/**
 * Pure init/apply for every architecture in src/models/arch.ts, with noise injection nodes.
 *
 * Parameters are a flat record (a jax-js JsTree) with names that say what they are, the same
 * names written to params.safetensors:
 *   layer{i}.weight  dense [nOut, nIn] (x @ W^T, PyTorch's layout) | conv [3, 3, cIn, cOut] (HWIO)
 *   layer{i}.bias    [nOut] | [cOut]
 *   nin{i}.theta     NIWs feeding layer i: dense [nOut]; conv [cIn, H, W] (or [H, W])
 * Activations are NHWC inside the CNN; the flatten before the first dense layer is in
 * (h, w, c) order.
 *
 * fcNINR (spec 1): z = x W + b + theta * eps.  cNINR: x~ = x + theta * eps, then the conv.
 * Ownership: `applyNetwork` consumes `params`, `x` and everything in `ctx` (jax-js convention).
 */
import { numpy as np, random, nn } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import { type ConvForm, conv2dSame, maxPool2 } from "../engine/conv.ts";
import { type Layer, layersFor, ninLayerIndices, thetaShape } from "./arch.ts";

export type Params = Record<string, np.Array>;

export const weightName = (i: number) => `layer${i}.weight`;
export const biasName = (i: number) => `layer${i}.bias`;
export const thetaName = (i: number) => `nin${i}.theta`;

/** Is this parameter a weight matrix/kernel (the only thing L2 touches)? */
export const isWeight = (name: string) => name.endsWith(".weight");
/** Is this parameter a noise injection weight (NIW)? */
export const isNiw = (name: string) => name.endsWith(".theta");

/** Fan-in of a layer, for PyTorch-style default initialisation. */
function fanIn(layer: Layer): number {
  return layer.kind === "dense" ? layer.nIn : layer.cIn * layer.size * layer.size;
}

/**
 * Initialise a network. Weights and biases: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's
 * default, so results compare with the reference scripts). NIWs come from a separate key branch,
 * so adding NINs never changes the other weights' draws (sigma = 0 then equals the plain model).
 * @param key jax-js PRNG key (consumed)
 */
export function initNetwork(key: np.Array, cfg: RunConfig): Params {
  const layers = layersFor(cfg);
  const [wKey, ninKey] = splitN(key, 2);
  const layerKeys = splitN(wKey, layers.length * 2);
  const ninKeys = splitN(ninKey, layers.length);
  const params: Params = {};
  layers.forEach((layer, i) => {
    const bound = 1 / Math.sqrt(fanIn(layer));
    const bShape = [layer.kind === "dense" ? layer.nOut : layer.cOut];
    if (layer.kind === "dense") {
      // Stored [n_out, n_in] (PyTorch's nn.Linear layout) and applied as x @ W^T: the weight
      // gradient then comes out of jax-js in the stored layout, so the update reads it
      // contiguously (bench/README.md). Drawn as [n_in, n_out] and transposed, so a seed gives
      // the same weights as in the [n_in, n_out] layout of earlier versions.
      const drawn = random.uniform(layerKeys[2 * i], [layer.nIn, layer.nOut], { minval: -bound, maxval: bound });
      // Materialised by a kernel (`add(0)`): kept as a transposed view, the weights were re-read
      // through the view inside whichever fused kernel consumed them, and repeated curvature
      // measurements at the same params stopped being bit-identical (the determinism test in
      // test/dynamics/curvature.test.ts fails without it).
      params[weightName(i)] = drawn.transpose().add(0);
    } else {
      params[weightName(i)] = random.uniform(layerKeys[2 * i], [layer.size, layer.size, layer.cIn, layer.cOut], { minval: -bound, maxval: bound });
    }
    params[biasName(i)] = random.uniform(layerKeys[2 * i + 1], bShape, { minval: -bound, maxval: bound });
  });
  const sites = new Set(ninLayerIndices(layers, cfg));
  layers.forEach((layer, i) => {
    if (!sites.has(i)) {
      ninKeys[i].dispose();
      return;
    }
    params[thetaName(i)] = initTheta(ninKeys[i], layer, cfg);
  });
  return params;
}

/** NIW initialisation (spec 1: noise must dominate at the start, so never zeros). */
function initTheta(key: np.Array, layer: Layer, cfg: RunConfig): np.Array {
  const shape = thetaShape(layer, cfg.cninShape);
  if (cfg.thetaInit === "normal") return random.normal(key, shape).mul(cfg.thetaScale);
  if (cfg.thetaInit === "uniform") return random.uniform(key, shape, { minval: -cfg.thetaScale, maxval: cfg.thetaScale });
  if (layer.kind === "dense") {
    // Like the layer's weights, the NIN counted as one more input (fan_in + 1).
    const bound = 1 / Math.sqrt(fanIn(layer) + 1);
    return random.uniform(key, shape, { minval: -bound, maxval: bound });
  }
  return random.normal(key, shape);
}

/** Split a key into n keys (consumes `key`). */
export function splitN(key: np.Array, n: number): np.Array[] {
  const keys = random.split(key, n);
  const out: np.Array[] = [];
  for (let i = 0; i < n; i++) out.push(keys.ref.slice(i));
  keys.dispose();
  return out;
}

/** What a forward pass needs besides parameters and inputs. All arrays are consumed. */
export type ApplyCtx = {
  /** eps per NIN, keyed by the layer index it feeds, each [B]. Missing = eps 0 (test time). */
  eps?: Map<number, np.Array>;
  /** Train-time dropout after every hidden dense activation. */
  dropout?: { p: number; key: np.Array };
  /**
   * How convolutions arrange their matmuls (src/engine/conv.ts): "backward" for a program that
   * is differentiated in reverse mode only (the training step), else the default "im2col".
   */
  convForm?: ConvForm;
};

/**
 * Forward pass.
 * @param x [B, 784] pixels in [0,1]
 * @returns logits [B, 10]
 */
export function applyNetwork(params: Params, x: np.Array, layers: Layer[], ctx: ApplyCtx = {}): np.Array {
  const B = x.shape[0];
  const eps = ctx.eps ?? new Map<number, np.Array>();
  const hiddenDense = layers.filter((l, i) => l.kind === "dense" && i < layers.length - 1).length;
  const dropKeys = ctx.dropout && hiddenDense > 0 ? splitN(ctx.dropout.key, hiddenDense) : [];
  if (ctx.dropout && hiddenDense === 0) ctx.dropout.key.dispose();
  let dropIdx = 0;
  let h = layers[0].kind === "conv" ? x.reshape([B, 28, 28, 1]) : x;
  layers.forEach((layer, i) => {
    const w = params[weightName(i)];
    const b = params[biasName(i)];
    const theta = params[thetaName(i)] as np.Array | undefined;
    const e = eps.get(i);
    if (layer.kind === "conv") {
      if (theta && e) {
        // theta [C,H,W] -> [H,W,C] (or [H,W] -> [H,W,1]) to match NHWC; eps broadcast per sample.
        const t = theta.ndim === 3 ? theta.transpose([1, 2, 0]) : theta.reshape([layer.h, layer.w, 1]);
        h = h.add(e.reshape([B, 1, 1, 1]).mul(t.reshape([1, ...t.shape])));
      } else {
        theta?.dispose();
        e?.dispose();
      }
      h = maxPool2(nn.relu(conv2dSame(h, w, ctx.convForm).add(b)));
      return;
    }
    if (h.ndim > 2) h = h.reshape([B, -1]);
    let z = np.dot(h, w.transpose()).add(b); // w [n_out, n_in]
    if (theta && e) z = z.add(e.reshape([B, 1]).mul(theta.reshape([1, layer.nOut])));
    else {
      theta?.dispose();
      e?.dispose();
    }
    if (layer.relu) z = nn.relu(z);
    if (ctx.dropout && i < layers.length - 1) {
      const keep = 1 - ctx.dropout.p;
      const mask = random.bernoulli(dropKeys[dropIdx++], keep, z.shape).astype(np.float32).mul(1 / keep);
      z = z.mul(mask);
    }
    h = z;
  });
  // eps for layers without a NIN would leak; the caller only passes eps for NIN layers.
  return h;
}
