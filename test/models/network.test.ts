/**
 * Oracle tests for the NINR networks: gradients against central finite differences (NIWs
 * included), the NIW gradient identity dL/dtheta = mean_i eps_i dl_i/dz_i (docs/method.md §2), and
 * sigma = 0 computing exactly the plain model (docs/method.md §1).
 */
import { describe, expect, it } from "vitest";
import { grad, nn, numpy as np, random, tree } from "@jax-js/jax";
import { resolveConfig, type RunConfig } from "../../src/config.ts";
import type { Params } from "../../src/models/model.ts";
import { buildNetwork } from "../../src/models/network.ts";
import { type StepData, makeTrainLoss } from "../../src/train/step.ts";

/** Fashion-MNIST's shape: 28x28x1 images (784 features), 10 classes, pixels in [0, 1]. */
const DATA: StepData = { inputShape: [28, 28, 1], classes: 10, range: [0, 1] };

function batch(B: number, seed: number): { x: np.Array; y: np.Array } {
  const x = random.uniform(random.key(seed), [B, 784]);
  const labels = np.array(Array.from({ length: B }, (_, i) => (i * 3) % 10), { dtype: np.int32 });
  return { x, y: nn.oneHot(labels, 10).astype(np.float32) };
}

async function scalar(a: np.Array): Promise<number> {
  return (await a.data())[0] as number;
}

/**
 * For each parameter tensor: the directional derivative along a random unit direction, from
 * the analytic gradient and from a central difference. The loss uses a fixed key, so the noise
 * (eps, dropout) is the same on every evaluation.
 */
async function checkFiniteDifferences(cfg: RunConfig, B: number) {
  // float64 throughout, so a step small enough to miss ReLU kinks is still far above rounding.
  const net = buildNetwork(cfg, DATA);
  const params = tree.map((a: np.Array) => a.astype(np.float64), net.init(random.key(1)).params) as Params;
  const lossFn = makeTrainLoss(cfg, net, DATA);
  const b = batch(B, 2);
  const x = b.x.astype(np.float64);
  const y = b.y.astype(np.float64);
  const loss = (p: Params) => lossFn(p, {}, x.ref, y.ref, random.key(3))[0];
  const g = grad((p: Params) => loss(p))(tree.ref(params)) as Params;
  const rows: { key: string; analytic: number; numeric: number }[] = [];
  const h = 1e-3;
  for (const [i, key] of Object.keys(params).entries()) {
    let d = random.normal(random.key(100 + i), params[key].shape).astype(np.float64);
    // Unit-norm direction: the step h*d stays small however many entries it spans, so ReLU
    // kinks are rarely crossed and float32 rounding stays far below the signal.
    d = d.ref.div(np.sqrt(np.square(d).sum()));
    const analytic = await scalar(g[key].ref.mul(d.ref).sum());
    const shifted = (sign: number) => ({ ...tree.ref(params), [key]: params[key].ref.add(d.ref.mul(sign * h)) });
    const pp = shifted(1);
    const pm = shifted(-1);
    params[key].dispose(); // the spread above took an extra ref of the replaced entry
    params[key].dispose();
    const numeric = ((await scalar(loss(pp))) - (await scalar(loss(pm)))) / (2 * h);
    rows.push({ key, analytic, numeric });
  }
  return rows;
}

/** Part of the loss path (jax-js reductions) runs at float32 precision even on float64 inputs, so h = 1e-3 keeps the rounding error near 1e-6 while ReLU kinks stay rare. */
function expectClose(rows: { key: string; analytic: number; numeric: number }[], rel: number, abs = 2e-6) {
  for (const r of rows) {
    expect(Math.abs(r.numeric - r.analytic), `${r.key}: analytic ${r.analytic}, numeric ${r.numeric}`).toBeLessThan(rel * Math.abs(r.analytic) + abs);
  }
}

describe("gradients vs central finite differences", () => {
  it("MLP full-NINR with dropout and CDT: every parameter, NIWs included", async () => {
    const cfg = resolveConfig({ widths: [784, 16, 12, 10], nin: "all", sigma: 2, dropout: 0.3, cdt: 0.2 });
    const rows = await checkFiniteDifferences(cfg, 8);
    expect(rows.map((r) => r.key)).toContain("nin2.theta");
    expect(rows.some((r) => Math.abs(r.analytic) > 1e-2)).toBe(true);
    expectClose(rows, 1e-2);
  });

  it("CNN full-NINR (cNINR on both convs, fcNINR on the dense layers): every parameter", async () => {
    const cfg = resolveConfig({ model: "cnn", nin: "all", sigma: 0.5 });
    const rows = await checkFiniteDifferences(cfg, 2);
    expect(rows.map((r) => r.key)).toContain("nin0.theta");
    // Max-pool switches and ReLU kinks of 2x28x28x32 activations add FD noise of order 1e-5.
    expectClose(rows, 3e-2, 5e-5);
  });
});

describe("NIW gradient identity (docs/method.md §2)", () => {
  it("dL/dtheta = mean_i eps_i * dl_i/dz_i for the input NIN", async () => {
    const cfg = resolveConfig({ widths: [784, 16, 10], nin: "input", sigma: 3 });
    const net = buildNetwork(cfg, DATA);
    const { params } = net.init(random.key(11));
    const B = 6;
    const { x, y } = batch(B, 12);
    const eps = random.normal(random.key(13), [B]).mul(cfg.sigma);
    const ce = (logits: np.Array) => nn.logSoftmax(logits).mul(y.ref).sum(1).mean().neg();

    // Our network's gradient with respect to theta.
    const gTheta = grad((p: Params) => ce(net.apply(p, {}, x.ref, { train: true, eps: new Map([["nin0", eps.ref]]) }).logits))(tree.ref(params)) as Params;

    // Oracle: an independent hand-written forward with an additive shift delta on z; G = dL/dz
    // is its gradient at delta = 0, and per-sample dl_i/dz_i = B * G_i.
    const manual = (delta: np.Array) => {
      const z = np.dot(x.ref, params["layer0.weight"].ref.transpose()).add(params["layer0.bias"].ref).add(eps.ref.reshape([B, 1]).mul(params["nin0.theta"].ref.reshape([1, 16]))).add(delta);
      return ce(np.dot(nn.relu(z), params["layer1.weight"].ref.transpose()).add(params["layer1.bias"].ref));
    };
    const G = grad(manual)(np.zeros([B, 16]));
    const dldz = G.mul(B); // [B, 16] per-sample gradients
    const expected = (await eps.reshape([B, 1]).mul(dldz).mean(0).data()) as Float32Array;
    const got = (await gTheta["nin0.theta"].data()) as Float32Array;
    for (let j = 0; j < 16; j++) expect(got[j]).toBeCloseTo(expected[j], 5);

  });
});

describe("sigma = 0 is the plain model (docs/method.md §1)", () => {
  it.each(["mlp", "cnn"] as const)("%s full-NINR with sigma 0 gives the plain model's loss and weights", async (model) => {
    const base = { model, widths: [784, 16, 10], sigma: 0 };
    const cNin = resolveConfig({ ...base, nin: "all" });
    const cPlain = resolveConfig({ ...base, nin: "none" });
    const netNin = buildNetwork(cNin, DATA);
    const netPlain = buildNetwork(cPlain, DATA);
    const pNin = netNin.init(random.key(5)).params;
    const pPlain = netPlain.init(random.key(5)).params;
    for (const k of Object.keys(pPlain)) expect(Array.from(await pNin[k].ref.data())).toEqual(Array.from(await pPlain[k].ref.data()));
    const { x, y } = batch(3, 6);
    const lNin = makeTrainLoss(cNin, netNin, DATA)(pNin, {}, x.ref, y.ref, random.key(7))[0];
    const lPlain = makeTrainLoss(cPlain, netPlain, DATA)(pPlain, {}, x, y, random.key(7))[0];
    expect(await scalar(lNin)).toBe(await scalar(lPlain));
  });
});
