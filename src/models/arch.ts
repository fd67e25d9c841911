/**
 * Architectures as plain data: a list of weight layers. The MLP and the CNN of spec section 4
 * are both described this way, so initialisation, NIN placement and the forward pass are
 * written once (src/models/network.ts).
 */
import type { RunConfig } from "../config.ts";

/** A dense layer: [B, nIn] -> [B, nOut]. */
export type DenseLayer = { kind: "dense"; nIn: number; nOut: number; relu: boolean };
/** A 3x3 same-padded conv on [B, h, w, cIn] -> [B, h, w, cOut], ReLU, then 2x2 max-pool. */
export type ConvLayer = { kind: "conv"; cIn: number; cOut: number; h: number; w: number; size: number };
export type Layer = DenseLayer | ConvLayer;

/** Dense layers for widths [784, ..., 10]; ReLU on every hidden layer. */
export function mlpLayers(widths: number[]): Layer[] {
  return widths.slice(1).map((nOut, i) => ({ kind: "dense", nIn: widths[i], nOut, relu: i < widths.length - 2 }));
}

/**
 * The spec's CNN: conv3x3x32-relu-maxpool2-conv3x3x64-relu-maxpool2-dense128-dense10.
 * Padding "same" (our default; the spec is silent): 28 -> 14 -> 7, so dense128 sees 7*7*64.
 */
export function cnnLayers(): Layer[] {
  return [
    { kind: "conv", cIn: 1, cOut: 32, h: 28, w: 28, size: 3 },
    { kind: "conv", cIn: 32, cOut: 64, h: 14, w: 14, size: 3 },
    { kind: "dense", nIn: 7 * 7 * 64, nOut: 128, relu: true },
    { kind: "dense", nIn: 128, nOut: 10, relu: false },
  ];
}

export function layersFor(cfg: Pick<RunConfig, "model" | "widths">): Layer[] {
  return cfg.model === "cnn" ? cnnLayers() : mlpLayers(cfg.widths);
}

/** Indices of the layers that get a NIN in front of them (spec 1: in-NINR, full-NINR). */
export function ninLayerIndices(layers: Layer[], cfg: Pick<RunConfig, "nin" | "ninLogit">): number[] {
  if (cfg.nin === "none") return [];
  if (cfg.nin === "input") return [0];
  const all = layers.map((_, i) => i);
  return cfg.ninLogit ? all : all.slice(0, -1);
}

/** Shape of the NIWs feeding layer `layer` (spec 1): fcNINR [nOut]; cNINR [C,H,W] or [H,W]. */
export function thetaShape(layer: Layer, cninShape: RunConfig["cninShape"]): number[] {
  if (layer.kind === "dense") return [layer.nOut];
  return cninShape === "hw" ? [layer.h, layer.w] : [layer.cIn, layer.h, layer.w];
}

/**
 * The shape of every parameter of a config's network, by name (see src/models/network.ts):
 * dense weights [n_out, n_in], conv kernels [3, 3, c_in, c_out], biases [n_out], NIWs per
 * thetaShape. For checking parameters loaded from files.
 */
export function paramShapes(cfg: Pick<RunConfig, "model" | "widths" | "nin" | "ninLogit" | "cninShape">): Record<string, number[]> {
  const layers = layersFor(cfg);
  const out: Record<string, number[]> = {};
  layers.forEach((l, i) => {
    out[`layer${i}.weight`] = l.kind === "dense" ? [l.nOut, l.nIn] : [l.size, l.size, l.cIn, l.cOut];
    out[`layer${i}.bias`] = [l.kind === "dense" ? l.nOut : l.cOut];
  });
  for (const i of ninLayerIndices(layers, cfg)) out[`nin${i}.theta`] = thetaShape(layers[i], cfg.cninShape);
  return out;
}
