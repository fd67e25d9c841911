/**
 * The model contract (Equinox style: explicit keys, pure functions, state returned, never
 * mutated). Any network — dense, convolutional, residual, with BatchNorm — is a `Model`:
 *
 *   init(key)                        -> { params, state }
 *   apply(params, state, x, ctx)     -> { logits, state }
 *
 * `params` are trained; `state` is carried through the jitted step but not differentiated
 * (BatchNorm running statistics; `{}` for stateless models). Inputs arrive flat, x [B, D] with
 * D = prod(inputShape); the model reshapes them (images are NHWC). Each model declares its NIN
 * sites and calls `ctx.inject(site, h)` at each of them; the method (src/nin/) decides what is
 * added there, so a model knows nothing about noise.
 *
 * Ownership (jax-js): `init` consumes its key; `apply` consumes params, state, x and the
 * arrays in ctx.
 */
import type { numpy as np } from "@jax-js/jax";
import type { ConvForm } from "../engine/conv.ts";
import type { NinSite } from "../nin/sites.ts";
import type { WeightInit } from "../engine/init.ts";

export type Params = Record<string, np.Array>;
export type ModelState = Record<string, np.Array>;

/** What a model needs to know about its data: per-sample input shape ([H, W, C] or [D]) and classes. */
export type DataShape = { inputShape: number[]; classes: number };

export type ModelCtx = {
  /** Train mode (batch statistics in BatchNorm, state updated) or eval mode (running statistics). */
  train: boolean;
  /** Called at every declared site with its representation; returns it with a NIN's theta * eps added, or unchanged. */
  inject: (site: string, h: np.Array) => np.Array;
  /** Train-time dropout after every hidden dense activation (ResNet: on the pooled features before its classifier). */
  dropout?: { p: number; key: np.Array };
  /** How convolutions arrange their matmuls (src/engine/conv.ts): "backward" for a program differentiated in reverse mode only. */
  convForm?: ConvForm;
};

export interface Model {
  readonly name: string;
  readonly inputShape: number[];
  readonly classes: number;
  /**
   * true when, in train mode without dropout, the logits are piecewise linear in the
   * representation at every site (dense and conv layers, ReLU, max-pooling, residual adds) and
   * the samples of a batch do not interact (no batch statistics). Then the NIW-block Hessian of
   * the loss is exactly its Gauss–Newton matrix, almost everywhere (src/dynamics/niwJacobian.ts).
   * Omitted: false (e.g. BatchNorm's batch statistics couple the samples).
   */
  readonly piecewiseLinear?: boolean;
  /** Every representation a NIN can feed, in a fixed order (the order of key splits). */
  readonly sites: readonly NinSite[];
  /** Consumes key. */
  init(key: np.Array): { params: Params; state: ModelState };
  /** @param x [B, D] @returns logits [B, classes]. Consumes params, state, x and ctx's arrays. */
  apply(params: Params, state: ModelState, x: np.Array, ctx: ModelCtx): { logits: np.Array; state: ModelState };
  /** Shape of every parameter and state entry by name (for checking files read back). */
  shapes(): { params: Record<string, number[]>; state: Record<string, number[]> };
  /** Parameters that weight decay (L2) acts on: weight matrices and kernels, not biases, norms or NIWs. */
  isWeight(name: string): boolean;
}

/** Options a registry entry builds a model from. `widths` is the MLP's, `width` (base width) the ResNet's; other entries ignore them. */
export type ModelOptions = DataShape & { widths: number[]; init: WeightInit; width?: number };

export type ModelEntry = {
  name: string;
  description: string;
  /** Build for a dataset's shape; a NinrError when the options do not fit (naming the flag). */
  build(opts: ModelOptions): Model;
};

/** Number of input features per sample. */
export function featureCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
