/**
 * The CNN of docs/method.md §4: conv3x3x32-relu-maxpool2-conv3x3x64-relu-maxpool2-dense128-dense(classes).
 * Padding "same" (our default; the papers are silent): on 28x28 images 28 -> 14 -> 7, so dense128
 * sees 7*7*64.
 */
import { NinrError } from "../errors.ts";
import { type Layer, chainModel } from "./chain.ts";
import type { ModelEntry } from "./model.ts";

export function cnnLayers(h: number, w: number, c: number, classes: number): Layer[] {
  return [
    { kind: "conv", cIn: c, cOut: 32, h, w, size: 3 },
    { kind: "conv", cIn: 32, cOut: 64, h: h / 2, w: w / 2, size: 3 },
    { kind: "dense", nIn: (h / 4) * (w / 4) * 64, nOut: 128, relu: true },
    { kind: "dense", nIn: 128, nOut: classes, relu: false },
  ];
}

export const CNN: ModelEntry = {
  name: "cnn",
  description: "conv3x3x32-pool-conv3x3x64-pool-dense128-dense(classes), same padding",
  build({ inputShape, classes, init }) {
    const [h, w, c] = inputShape;
    if (inputShape.length !== 3 || h % 4 !== 0 || w % 4 !== 0)
      throw new NinrError(`--model cnn needs images [H, W, C] with H and W divisible by 4 (two 2x2 poolings), got data of shape [${inputShape.join(", ")}]`);
    return chainModel("cnn", inputShape, cnnLayers(h, w, c, classes), init);
  },
};
