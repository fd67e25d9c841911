/**
 * A chain model: a list of weight layers, dense or conv-relu-pool, with a NIN site in front of
 * every layer (fcNINR on a dense layer's pre-activation, cNINR on a conv layer's input). The
 * MLP and the CNN of docs/method.md §4 are both chains.
 *
 * Parameters, by name (the names in params.safetensors):
 *   layer{i}.weight  dense [nOut, nIn] (x @ W^T, PyTorch's layout) | conv [3, 3, cIn, cOut] (HWIO)
 *   layer{i}.bias    [nOut] | [cOut]
 * NIN site of layer i: "nin{i}". Activations are NHWC; the flatten before the first dense
 * layer is in (h, w, c) order. Stateless (state {}).
 */
import { numpy as np, random, nn } from "@jax-js/jax";
import { conv2dSame, maxPool2 } from "../engine/conv.ts";
import { splitN } from "../engine/keys.ts";
import type { NinSite } from "../nin/sites.ts";
import { type WeightInit, drawBias, drawWeight } from "../engine/init.ts";
import type { Model, ModelCtx, Params } from "./model.ts";

/** A dense layer: [B, nIn] -> [B, nOut]. */
export type DenseLayer = { kind: "dense"; nIn: number; nOut: number; relu: boolean };
/** A 3x3 same-padded conv on [B, h, w, cIn] -> [B, h, w, cOut], ReLU, then 2x2 max-pool. */
export type ConvLayer = { kind: "conv"; cIn: number; cOut: number; h: number; w: number; size: number };
export type Layer = DenseLayer | ConvLayer;

export const weightName = (i: number) => `layer${i}.weight`;
export const biasName = (i: number) => `layer${i}.bias`;

function fanIn(layer: Layer): number {
  return layer.kind === "dense" ? layer.nIn : layer.cIn * layer.size * layer.size;
}

function fanOut(layer: Layer): number {
  return layer.kind === "dense" ? layer.nOut : layer.cOut * layer.size * layer.size;
}

/** The NIN site in front of each layer. */
function chainSites(layers: Layer[]): NinSite[] {
  return layers.map((l, i) => ({
    name: `nin${i}`,
    kind: l.kind === "dense" ? "fc" : "conv",
    shape: l.kind === "dense" ? [l.nOut] : [l.h, l.w, l.cIn],
    fanIn: fanIn(l),
    role: i === 0 ? "input" : i === layers.length - 1 ? "logit" : "hidden",
    ...(l.kind === "dense" ? { weight: weightName(i) } : {}),
  }));
}

export function chainModel(name: string, inputShape: number[], layers: Layer[], init: WeightInit = "pytorch"): Model {
  const classes = layers[layers.length - 1].kind === "dense" ? (layers[layers.length - 1] as DenseLayer).nOut : 0;
  const sites = chainSites(layers);
  const hiddenDense = layers.filter((l, i) => l.kind === "dense" && i < layers.length - 1).length;
  return {
    name,
    inputShape,
    classes,
    sites,
    // Dense and conv layers, ReLU and max-pooling, no batch statistics.
    piecewiseLinear: true,
    /** Weights and biases by the scheme `init` (src/models/init.ts; default PyTorch's, docs/method.md §7). */
    init(key) {
      const keys = splitN(key, layers.length * 2);
      const params: Params = {};
      layers.forEach((layer, i) => {
        const fan = { in: fanIn(layer), out: fanOut(layer) };
        if (layer.kind === "dense") {
          // Stored [n_out, n_in] (PyTorch's nn.Linear layout) and applied as x @ W^T: the weight
          // gradient then comes out of jax-js in the stored layout, so the update reads it
          // contiguously (bench/README.md). Drawn as [n_in, n_out] and transposed, so a seed gives
          // the same weights as in the [n_in, n_out] layout of earlier versions.
          const drawn = drawWeight(keys[2 * i], [layer.nIn, layer.nOut], fan, init);
          // Materialised by a kernel (`add(0)`): kept as a transposed view, the weights were re-read
          // through the view inside whichever fused kernel consumed them, and repeated curvature
          // measurements at the same params stopped being bit-identical (the determinism test in
          // test/dynamics/curvature.test.ts fails without it).
          params[weightName(i)] = drawn.transpose().add(0);
        } else {
          params[weightName(i)] = drawWeight(keys[2 * i], [layer.size, layer.size, layer.cIn, layer.cOut], fan, init);
        }
        params[biasName(i)] = drawBias(keys[2 * i + 1], [layer.kind === "dense" ? layer.nOut : layer.cOut], fan.in, init);
      });
      return { params, state: {} };
    },
    apply(params, state, x, ctx: ModelCtx) {
      const B = x.shape[0];
      const dropKeys = ctx.dropout && hiddenDense > 0 ? splitN(ctx.dropout.key, hiddenDense) : [];
      if (ctx.dropout && hiddenDense === 0) ctx.dropout.key.dispose();
      let dropIdx = 0;
      let h = layers[0].kind === "conv" ? x.reshape([B, ...inputShape]) : x;
      layers.forEach((layer, i) => {
        const w = params[weightName(i)];
        const b = params[biasName(i)];
        if (layer.kind === "conv") {
          h = ctx.inject(sites[i].name, h);
          h = maxPool2(nn.relu(conv2dSame(h, w, ctx.convForm).add(b)));
          return;
        }
        if (h.ndim > 2) h = h.reshape([B, -1]);
        let z = np.dot(h, w.transpose()).add(b); // w [n_out, n_in]
        z = ctx.inject(sites[i].name, z);
        if (layer.relu) z = nn.relu(z);
        if (ctx.dropout && i < layers.length - 1) {
          const keep = 1 - ctx.dropout.p;
          const mask = random.bernoulli(dropKeys[dropIdx++], keep, z.shape).astype(np.float32).mul(1 / keep);
          z = z.mul(mask);
        }
        h = z;
      });
      return { logits: h, state };
    },
    shapes() {
      const params: Record<string, number[]> = {};
      layers.forEach((l, i) => {
        params[weightName(i)] = l.kind === "dense" ? [l.nOut, l.nIn] : [l.size, l.size, l.cIn, l.cOut];
        params[biasName(i)] = [l.kind === "dense" ? l.nOut : l.cOut];
      });
      return { params, state: {} };
    },
    isWeight: (n) => n.endsWith(".weight"),
  };
}
