/**
 * ResNet-18 for small images (docs/method.md §6.2, the poster's detector network), after He et
 * al. 2016 with the CIFAR-style stem: a 3x3 stride-1 conv, no initial max-pool.
 *
 *   stem      conv3x3(C -> w) BN ReLU                                   [B, H, W, w]
 *   layer1    2 BasicBlocks, w channels, stride 1                       [B, H, W, w]
 *   layer2    2 BasicBlocks, 2w, the first with stride 2                [B, H/2, W/2, 2w]
 *   layer3    2 BasicBlocks, 4w, stride 2                               [B, H/4, W/4, 4w]
 *   layer4    2 BasicBlocks, 8w, stride 2                               [B, H/8, W/8, 8w]
 *   head      global average pool, dropout (train, config dropout), dense(8w -> classes)   [B, classes]
 *
 * BasicBlock(cin, cout, s): conv3x3/s BN ReLU conv3x3 BN, plus the shortcut (identity, or a 1x1
 * stride-s conv + BN when the shape changes: PyTorch's "option B"), then ReLU. Convolutions
 * have no bias (a BatchNorm follows each). Odd sizes halve like PyTorch's padded stride-2 conv,
 * ceil(n/2) (28 -> 14 -> 7 -> 4).
 *
 * `w` is the base width (config `width`): 64 is the standard network, 11,173,962 parameters at
 * 3 input channels and 10 classes (test/models/resnet.test.ts checks the closed form).
 *
 * NIN sites (cNINR at the input and in front of each stage, fcNINR on the logits):
 *   nin0  input  the image                    [H, W, C]
 *   nin1..nin4   the map entering layer1..4   [H_s, W_s, c_s]
 *   nin5  logit  the logits                   [classes]
 * so `nin: input` is in-NINR, `nin: all` full-NINR (nin5 left out by `ninLogit: false`).
 *
 * Parameters (NHWC activations, HWIO kernels): stem.conv.weight [3,3,C,w], stem.bn.{gamma,beta};
 * layer{s}.{b}.conv{1,2}.weight, .bn{1,2}.{gamma,beta}, .shortcut.weight [1,1,cin,cout],
 * .shortcut_bn.{gamma,beta}; fc.weight [classes, 8w] (x @ W^T), fc.bias. State: every BN's
 * running `.mean` and `.var` (train mode updates them, eval mode normalises with them).
 */
import { numpy as np, nn, random } from "@jax-js/jax";
import { type ConvForm, conv2dSame, subsample2 } from "../engine/conv.ts";
import { type WeightInit, drawBias, drawWeight } from "../engine/init.ts";
import { splitN } from "../engine/keys.ts";
import { NinrError } from "../errors.ts";
import type { NinSite } from "../nin/sites.ts";
import { batchNorm } from "./layers.ts";
import type { Model, ModelEntry, ModelState, Params } from "./model.ts";

/** The standard base width (the config's `width` default). */
export const RESNET_DEFAULT_WIDTH = 64;
/** BasicBlocks per stage: ResNet-18. */
export const RESNET18_BLOCKS = [2, 2, 2, 2] as const;

type Conv = { name: string; size: 1 | 3; cin: number; cout: number };
type Block = { prefix: string; cin: number; cout: number; stride: 1 | 2; shortcut: boolean };

/** ceil(n / 2): the output size of a padded stride-2 convolution. */
const half = (n: number) => Math.ceil(n / 2);

/** Keep every second row and column, odd sizes padded by one zero row/column first (ceil(n/2) outputs). [B,H,W,C] -> [B,ceil(H/2),ceil(W/2),C]. Consumes x. */
function stride2(x: np.Array): np.Array {
  const [, H, W] = x.shape;
  const padded = H % 2 || W % 2 ? np.pad(x, [[0, 0], [0, H % 2], [0, W % 2], [0, 0]]) : x;
  return subsample2(padded);
}

/**
 * A 3x3 "same" convolution with stride 1 or 2. Stride 2 subsamples each tap's shifted slice
 * before the matmul, so it costs what a strided conv costs (not conv2dSame's four times), in the
 * two arrangements of src/engine/conv.ts (one matmul per tap for the backward form, im2col else).
 * x [B,H,W,cin], k [3,3,cin,cout] -> [B,H/s,W/s,cout]. Consumes both.
 */
export function conv3x3(x: np.Array, k: np.Array, stride: 1 | 2, form: ConvForm | undefined): np.Array {
  if (stride === 1) return conv2dSame(x, k, form);
  const [B, H, W, cin] = x.shape;
  const cout = k.shape[3];
  const xp = np.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const taps: np.Array[] = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) taps.push(stride2(xp.ref.slice([], [i, i + H], [j, j + W], [])));
  xp.dispose();
  const [h, w] = [half(H), half(W)];
  const rows = B * h * w;
  if (form === "backward" && cin >= 8) {
    const kt = k.reshape([9, cin, cout]);
    let out: np.Array | null = null;
    taps.forEach((t, n) => {
      const y = np.dot(t.reshape([rows, cin]), kt.ref.slice(n));
      out = out ? out.add(y) : y;
    });
    kt.dispose();
    return out!.reshape([B, h, w, cout]);
  }
  return np.dot(np.concatenate(taps, 3).reshape([rows, 9 * cin]), k.reshape([9 * cin, cout])).reshape([B, h, w, cout]);
}

/** A 1x1 convolution with stride 1 or 2: [B,H,W,cin] x [1,1,cin,cout]. Consumes both. */
function conv1x1(x: np.Array, k: np.Array, stride: 1 | 2): np.Array {
  const xs = stride === 2 ? stride2(x) : x;
  const [B, h, w, cin] = xs.shape;
  const cout = k.shape[3];
  return np.dot(xs.reshape([B * h * w, cin]), k.reshape([cin, cout])).reshape([B, h, w, cout]);
}

/** The blocks of a ResNet with `blocks[s]` BasicBlocks in stage s and base width w. */
function resnetBlocks(w: number, blocks: readonly number[]): Block[] {
  const out: Block[] = [];
  let cin = w;
  blocks.forEach((n, s) => {
    const cout = w * 2 ** s;
    for (let b = 0; b < n; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      out.push({ prefix: `layer${s + 1}.${b}`, cin, cout, stride, shortcut: stride !== 1 || cin !== cout });
      cin = cout;
    }
  });
  return out;
}

/** Every convolution, in init order. */
function resnetConvs(c: number, w: number, blocks: Block[]): Conv[] {
  const convs: Conv[] = [{ name: "stem.conv", size: 3, cin: c, cout: w }];
  for (const b of blocks) {
    convs.push({ name: `${b.prefix}.conv1`, size: 3, cin: b.cin, cout: b.cout }, { name: `${b.prefix}.conv2`, size: 3, cin: b.cout, cout: b.cout });
    if (b.shortcut) convs.push({ name: `${b.prefix}.shortcut`, size: 1, cin: b.cin, cout: b.cout });
  }
  return convs;
}

/** Every BatchNorm with its channel count. */
function resnetNorms(w: number, blocks: Block[]): [string, number][] {
  const norms: [string, number][] = [["stem.bn", w]];
  for (const b of blocks) {
    norms.push([`${b.prefix}.bn1`, b.cout], [`${b.prefix}.bn2`, b.cout]);
    if (b.shortcut) norms.push([`${b.prefix}.shortcut_bn`, b.cout]);
  }
  return norms;
}

export type ResNetOptions = { inputShape: number[]; classes: number; width: number; init: WeightInit; blocks?: readonly number[] };

/** A ResNet (default ResNet-18) on NHWC images [H, W, C]. */
export function resnetModel(opts: ResNetOptions): Model {
  const { inputShape, classes, width: w, init } = opts;
  const stages = opts.blocks ?? RESNET18_BLOCKS;
  const [H, W, C] = inputShape;
  const blocks = resnetBlocks(w, stages);
  const convs = resnetConvs(C, w, blocks);
  const norms = resnetNorms(w, blocks);
  const feat = w * 2 ** (stages.length - 1);

  // Sites: the input, the map entering each stage, the logits.
  const sites: NinSite[] = [{ name: "nin0", kind: "conv", shape: [H, W, C], fanIn: 9 * C, role: "input" }];
  let [h, wd] = [H, W];
  stages.forEach((_, s) => {
    const cin = w * 2 ** Math.max(s - 1, 0);
    sites.push({ name: `nin${s + 1}`, kind: "conv", shape: [h, wd, cin], fanIn: 9 * cin, role: "hidden" });
    if (s > 0) [h, wd] = [half(h), half(wd)]; // stage s > 0 halves (stride 2 in its first block)
  });
  sites.push({ name: `nin${stages.length + 1}`, kind: "fc", shape: [classes], fanIn: feat, role: "logit", weight: "fc.weight" });
  /** The stage whose input each hidden site sits at: site nin{s+1} before the first block of stage s. */
  const stageSite = new Map(stages.map((_, s) => [`layer${s + 1}.0`, `nin${s + 1}`]));

  return {
    name: "resnet18",
    inputShape,
    classes,
    sites,
    init(key) {
      const keys = splitN(key, convs.length + 2);
      const params: Params = {};
      const state: ModelState = {};
      convs.forEach((cv, i) => {
        const fan = { in: cv.size * cv.size * cv.cin, out: cv.size * cv.size * cv.cout };
        params[`${cv.name}.weight`] = drawWeight(keys[i], [cv.size, cv.size, cv.cin, cv.cout], fan, init);
      });
      for (const [n, c] of norms) {
        params[`${n}.gamma`] = np.ones([c]);
        params[`${n}.beta`] = np.zeros([c]);
        state[`${n}.mean`] = np.zeros([c]);
        state[`${n}.var`] = np.ones([c]);
      }
      // Drawn [feat, classes] and transposed (as the chain's dense layers), materialised by add(0).
      params["fc.weight"] = drawWeight(keys[convs.length], [feat, classes], { in: feat, out: classes }, init).transpose().add(0);
      params["fc.bias"] = drawBias(keys[convs.length + 1], [classes], feat, init);
      return { params, state };
    },
    apply(p, s, x, ctx) {
      const B = x.shape[0];
      const ns: ModelState = {};
      const bn = (t: np.Array, n: string) => {
        const r = batchNorm(t, { gamma: p[`${n}.gamma`], beta: p[`${n}.beta`] }, { mean: s[`${n}.mean`], variance: s[`${n}.var`] }, ctx.train);
        ns[`${n}.mean`] = r.mean;
        ns[`${n}.var`] = r.variance;
        return r.y;
      };
      const form = ctx.convForm;
      let t = ctx.inject("nin0", x.reshape([B, H, W, C]));
      t = nn.relu(bn(conv2dSame(t, p["stem.conv.weight"], form), "stem.bn"));
      for (const b of blocks) {
        const site = stageSite.get(b.prefix);
        if (site) t = ctx.inject(site, t);
        const r = nn.relu(bn(conv3x3(t.ref, p[`${b.prefix}.conv1.weight`], b.stride, form), `${b.prefix}.bn1`));
        const main = bn(conv3x3(r, p[`${b.prefix}.conv2.weight`], 1, form), `${b.prefix}.bn2`);
        const skip = b.shortcut ? bn(conv1x1(t, p[`${b.prefix}.shortcut.weight`], b.stride), `${b.prefix}.shortcut_bn`) : t;
        t = nn.relu(main.add(skip));
      }
      let pooled = t.mean([1, 2]); // [B, feat]
      // ResNet-18 has no hidden dense layer for the config's dropout to follow: it acts on the
      // pooled features in front of the classifier, as in Wide ResNets' and many detector
      // networks' heads (inverted dropout: kept units scaled by 1/keep).
      if (ctx.dropout) {
        const keep = 1 - ctx.dropout.p;
        pooled = pooled.mul(random.bernoulli(ctx.dropout.key, keep, pooled.shape).astype(pooled.dtype).mul(1 / keep));
      }
      const logits = np.dot(pooled, p["fc.weight"].transpose()).add(p["fc.bias"]);
      return { logits: ctx.inject(sites[sites.length - 1].name, logits), state: ns };
    },
    shapes() {
      const params: Record<string, number[]> = {};
      const state: Record<string, number[]> = {};
      for (const cv of convs) params[`${cv.name}.weight`] = [cv.size, cv.size, cv.cin, cv.cout];
      for (const [n, c] of norms) {
        params[`${n}.gamma`] = [c];
        params[`${n}.beta`] = [c];
        state[`${n}.mean`] = [c];
        state[`${n}.var`] = [c];
      }
      params["fc.weight"] = [classes, feat];
      params["fc.bias"] = [classes];
      return { params, state };
    },
    isWeight: (n) => n.endsWith(".weight"),
  };
}

export const RESNET18: ModelEntry = {
  name: "resnet18",
  description: "ResNet-18 (BasicBlocks 2,2,2,2; 3x3 stride-1 stem, no max-pool; BatchNorm; global average pool), base width --width",
  build({ inputShape, classes, init, width }) {
    const w = width ?? RESNET_DEFAULT_WIDTH;
    if (!Number.isInteger(w) || w < 1) throw new NinrError(`--width must be an integer >= 1 for --model resnet18, got ${w}`);
    if (inputShape.length !== 3)
      throw new NinrError(`--model resnet18 needs images [H, W, C], got data of shape [${inputShape.join(", ")}]`);
    return resnetModel({ inputShape, classes, width: w, init });
  },
};
