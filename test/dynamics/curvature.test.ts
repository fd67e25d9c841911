/**
 * Oracle tests for the curvature instruments (docs/method.md §2, "Which curvature"), on tiny nets in
 * float64 where every matrix can be built densely:
 *   - exact HVP columns, forward-over-reverse (linearize) = jitted reverse-over-forward =
 *     central differences;
 *   - the noise response t = (d logits / d eps) eps against a finite difference in eps;
 *   - the noise-mode GN operator (jvp, H_out, vjp) = J^T H_out J assembled densely from
 *     Jacobian columns and softmax probabilities computed separately;
 *   - Lanczos and power iteration = dense eigenvalues (Jacobi, itself checked against
 *     np.linalg.eigh), for the Hessian, the NIW block and the GN matrix;
 *   - the linear toy model of docs/method.md §3 in jax-js: lambda_noise = m2 (|v|^2 + |theta|^2) and
 *     lambda_niw = m2 |v|^2 in closed form (m2 = mean eps^2; sigma^2 for the "zero" mode);
 *   - measureCurvature on a real (784-input) config: averages, k, determinism, interlacing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { jvp, nn, numpy as np, random, tree } from "@jax-js/jax";
import { DEFAULT_CONFIG, type RunConfig, resolveConfig } from "../../src/config.ts";
import { type Layer, chainModel } from "../../src/models/chain.ts";
import type { Params } from "../../src/models/model.ts";
import { type Network, type NetworkSpec, buildNetwork } from "../../src/models/network.ts";
import { registerModel } from "../../src/models/registry.ts";
import { isNiw } from "../../src/nin/sites.ts";
import {
  type CurvatureModel,
  type NoisyBatch,
  hessianOperator,
  makeGnMatvec,
  makeHvpFns,
  noiseGnOperator,
  noiseResponse,
  noisyLoss,
} from "../../src/dynamics/hvp.ts";
import { treeFromHost, treeToHost, treeSize } from "../../src/engine/treeMath.ts";
import { lanczosTop, powerTop, symmetricEigen } from "../../src/engine/lanczos.ts";
import { drawNoise, makeCurvatureMeter, measureCurvature, measureCurvatureModel } from "../../src/dynamics/curvature.ts";
import { denseOf, maxAbs, maxDiff } from "../helpers/dense.ts";

const f64 = (a: np.Array) => a.astype(np.float64);

/** A tiny MLP network (inputs widths[0], classes the last width) with NIW init N(0, thetaScale^2). */
function tinyNet(widths: number[], nin: RunConfig["nin"], sigma: number, thetaScale = 1): Network {
  const spec: NetworkSpec = { ...DEFAULT_CONFIG, model: "mlp", widths, nin, ninLogit: true, sigma, noise: "gaussian", thetaInit: "normal", thetaScale, cninShape: "chw" };
  return buildNetwork(spec, { inputShape: [widths[0]], classes: widths[widths.length - 1] });
}

/** Parameters of a tiny MLP in float64. */
function tinyParams(widths: number[], nin: RunConfig["nin"], seed: number, thetaScale = 1): Params {
  return tree.map(f64, tinyNet(widths, nin, 1, thetaScale).init(random.key(seed)).params) as Params;
}

function tinyBatch(model: CurvatureModel, nIn: number, nOut: number, B: number, seed: number): NoisyBatch {
  const ks = random.split(random.key(seed), 2);
  const [kx, ke] = [ks.ref.slice(0), ks.slice(1)];
  const x = f64(random.uniform(kx, [B, nIn]));
  const labels = np.array(new Int32Array(Array.from({ length: B }, (_, i) => (i * 7 + seed) % nOut)));
  const y = f64(nn.oneHot(labels, nOut).astype(np.float32));
  return { x, y, eps: drawNoise(model, ke, B, np.float64), state: {} };
}

/** Logits of the network in train mode with eps per site name (consumes params, x and eps). */
function logitsOf(net: Network, params: Params, x: np.Array, eps?: Map<string, np.Array>): np.Array {
  return net.apply(params, {}, x, { train: true, eps }).logits;
}


const topOf = (m: number[][]) => Math.max(...symmetricEigen(m).values);

/** Index ranges of the NIW coordinates in treeToHost order. */
function niwIndices(like: Params): number[] {
  const idx: number[] = [];
  let off = 0;
  for (const k of Object.keys(like)) {
    const n = like[k].size;
    if (isNiw(k)) for (let i = 0; i < n; i++) idx.push(off + i);
    off += n;
  }
  return idx;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

describe("dense eigensolver", () => {
  it("Jacobi eigenvalues match np.linalg.eigh on a random symmetric matrix", async () => {
    const n = 12;
    const a = random.normal(random.key(7), [n, n]);
    const host = Array.from((await a.ref.data()) as Float32Array);
    const sym = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => host[i * n + j] + host[j * n + i]));
    const ours = symmetricEigen(sym).values.sort((x, y) => x - y);
    const m = f64(a.ref).add(f64(a).transpose());
    const [w, v] = np.linalg.eigh(m);
    v.dispose();
    const ref = Array.from((await w.data()) as Float64Array);
    ours.forEach((x, i) => expect(Math.abs(x - ref[i])).toBeLessThan(1e-9 * Math.max(1, Math.abs(ref[i]))));
  });
});

describe("tiny full-NINR ReLU net (5-4-3, NINs before both layers, float64)", () => {
  const net = tinyNet([5, 4, 3], "all", 1.5);
  const model: CurvatureModel = { net, loss: "softmax-ce" };
  const siteNames = net.sites.map((s) => s.name);
  const params = tinyParams([5, 4, 3], "all", 1);
  const batch = tinyBatch(model, 5, 3, 16, 2);
  const loss = noisyLoss(model);
  const P = treeSize(params);
  let H: number[][] = [];

  beforeAll(async () => {
    // Forward-over-reverse (linearize of grad): the dense reference for the other products.
    const hOp = hessianOperator(loss, params, batch, { method: "linearize" });
    H = await denseOf((v) => hOp.apply(v), params);
    hOp.dispose();
  });

  it("has 46 parameters and a symmetric Hessian", () => {
    expect(P).toBe(20 + 4 + 12 + 3 + 4 + 3);
    expect(maxDiff(H, H.map((_, i) => H.map((row) => row[i])))).toBeLessThan(1e-10 * maxAbs(H));
  });

  it("forward-over-reverse HVP columns = reverse-over-forward columns = central differences", async () => {
    const fns = makeHvpFns(loss, { fdStep: 1e-3 });
    const fd = await denseOf((v) => fns.fdHvp(tree.ref(params), tree.ref(batch), v), params);
    const rof = await denseOf((v) => fns.hvp(tree.ref(params), tree.ref(batch), v), params);
    fns.dispose();
    expect(maxAbs(H)).toBeGreaterThan(0.05);
    expect(maxDiff(rof, H)).toBeLessThan(1e-9 * maxAbs(H));
    // jax-js evaluates some fused exp/log kernels at about float32 accuracy even in float64,
    // so the FD rounding error is ~1e-9 / h: h = 1e-3 balances it against the O(h^2) error.
    expect(maxDiff(fd, H)).toBeLessThan(3e-5 * maxAbs(H));
  });

  it("Lanczos and power iteration find the dense top eigenvalue of H and of the NIW block", async () => {
    const dense = topOf(H);
    const op = hessianOperator(loss, params, batch);
    const lz = await lanczosTop(op, params, random.key(11), { iters: P, tol: 1e-10 });
    expect(rel(lz.value, dense)).toBeLessThan(1e-8);
    const pw = await powerTop(op, params, random.key(12), { iters: 400, tol: 1e-10 });
    expect(rel(pw.value, dense)).toBeLessThan(1e-3);
    // NIW block: dense principal submatrix vs masked Lanczos.
    const idx = niwIndices(params);
    expect(idx.length).toBe(7);
    const block = idx.map((i) => idx.map((j) => H[i][j]));
    const masked = {
      apply: (v: Params) => {
        const m = (t: Params) => Object.fromEntries(Object.entries(t).map(([k, a]) => [k, isNiw(k) ? a : a.mul(0)])) as Params;
        return m(op.apply(m(v)));
      },
    };
    const niw = await lanczosTop(masked, params, random.key(13), { iters: P, tol: 1e-10, mask: isNiw });
    op.dispose();
    expect(rel(niw.value, topOf(block))).toBeLessThan(1e-8);
    // Interlacing: the top of a principal block never exceeds the top of the matrix.
    expect(niw.value).toBeLessThanOrEqual(dense * (1 + 1e-9));
  });

  it("noise response t_j = (d logits / d eps_j) eps_j matches a central difference in eps", async () => {
    const t = await noiseResponse(model, tree.ref(params), batch, "sampled").data();
    const h = 1e-6;
    const shifted = (j: number, f: number) =>
      logitsOf(net, tree.ref(params), batch.x.ref, new Map(siteNames.map((s, i) => [s, i === j ? batch.eps[i].ref.mul(f) : batch.eps[i].ref])));
    expect(siteNames).toEqual(["nin0", "nin1"]);
    for (let j = 0; j < 2; j++) {
      const d = await shifted(j, 1 + h).sub(shifted(j, 1 - h)).mul(1 / (2 * h)).data();
      const tj = t.slice(j * 48, (j + 1) * 48);
      const scale = Math.max(...Array.from(tj as Float64Array).map(Math.abs));
      expect(scale).toBeGreaterThan(1e-3);
      for (let i = 0; i < 48; i++) expect(Math.abs(tj[i] - d[i])).toBeLessThan(1e-6 * scale);
    }
  });

  for (const at of ["sampled", "zero"] as const) {
    it(`noise GN operator (${at}) = dense J^T H_out J; Lanczos and power find its top eigenvalue`, async () => {
      const B = 16;
      const C = 3;
      // Jacobian of the stacked response [S, B, C], one column per parameter (forward mode).
      const J: Float64Array[] = [];
      for (let i = 0; i < P; i++) {
        const e = new Float64Array(P);
        e[i] = 1;
        const [out, dt] = jvp((q: Params) => noiseResponse(model, q, batch, at), [tree.ref(params)], [treeFromHost(e, params)]);
        out.dispose();
        J.push(Float64Array.from(await dt.data()));
      }
      const eps = at === "sampled" ? new Map(siteNames.map((s, i) => [s, batch.eps[i].ref])) : undefined;
      const p = await nn.softmax(logitsOf(net, tree.ref(params), batch.x.ref, eps)).data();
      const G = Array.from({ length: P }, () => new Array<number>(P).fill(0));
      for (let s = 0; s < 2; s++)
        for (let b = 0; b < B; b++) {
          const row = (i: number, c: number) => J[i][(s * B + b) * C + c];
          for (let i = 0; i < P; i++) {
            // (H_out J)_c = p_c J_c - p_c sum_d p_d J_d
            const pj = [0, 1, 2].reduce((acc, d) => acc + p[b * C + d] * row(i, d), 0);
            const hj = [0, 1, 2].map((c) => p[b * C + c] * (row(i, c) - pj));
            for (let k = 0; k < P; k++) G[k][i] += (hj[0] * row(k, 0) + hj[1] * row(k, 1) + hj[2] * row(k, 2)) / B;
          }
        }
      const op = noiseGnOperator(model, params, batch, { at });
      const Gop = await denseOf((v) => op.apply(v), params);
      expect(maxAbs(G)).toBeGreaterThan(1e-2);
      expect(maxDiff(Gop, G)).toBeLessThan(1e-10 * maxAbs(G));
      // The stateless jitted matvec is the same operator.
      const mv = makeGnMatvec(model, { at });
      const Gj = await denseOf((v) => mv(tree.ref(params), tree.ref(batch), v), params);
      mv.dispose();
      expect(maxDiff(Gj, G)).toBeLessThan(1e-10 * maxAbs(G));
      const eig = symmetricEigen(G).values;
      expect(Math.min(...eig)).toBeGreaterThan(-1e-10 * maxAbs(G)); // PSD
      const dense = Math.max(...eig);
      const lz = await lanczosTop(op, params, random.key(21), { iters: 30, tol: 1e-10 });
      expect(rel(lz.value, dense)).toBeLessThan(1e-8);
      const pw = await powerTop(op, params, random.key(22), { iters: 300, tol: 1e-9 });
      expect(rel(pw.value, dense)).toBeLessThan(1e-3);
      op.dispose();
    });
  }

  it("float32: the jitted reverse-over-forward HVP (the real models' path) = forward-over-reverse", async () => {
    // (jax-js 0.1.25 miscompiles float64 second-order jit, so float64 takes an eager path; the
    // jitted path is what float32 models use, checked here against the eager linearisation.)
    const p32 = tree.map((a: np.Array) => a.ref.astype(np.float32), params) as Params;
    const b32 = tree.map((a: np.Array) => a.ref.astype(np.float32), batch) as NoisyBatch;
    const fns = makeHvpFns(loss);
    const jitCols = await denseOf((v) => fns.hvp(tree.ref(p32), tree.ref(b32), v), p32);
    fns.dispose();
    const lin = hessianOperator(loss, p32, b32, { method: "linearize" });
    const linCols = await denseOf((v) => lin.apply(v), p32);
    lin.dispose();
    tree.dispose(p32);
    tree.dispose(b32);
    expect(maxDiff(jitCols, linCols)).toBeLessThan(1e-5 * maxAbs(linCols));
    expect(maxDiff(linCols, H)).toBeLessThan(1e-4 * maxAbs(H));
  });

  it("hvp with a sub-tree v = the NIW principal block of the dense Hessian (float64 eager and float32 jitted)", async () => {
    const fns = makeHvpFns(loss);
    const niwOf = (t: Params) => Object.fromEntries(Object.entries(t).filter(([k]) => isNiw(k))) as Params;
    const idx = niwIndices(params);
    const block = idx.map((i) => idx.map((j) => H[i][j]));
    const cols64 = await denseOf((v) => fns.hvp(tree.ref(params), tree.ref(batch), v), niwOf(params));
    expect(cols64.length).toBe(7);
    expect(maxDiff(cols64, block)).toBeLessThan(1e-9 * maxAbs(block));
    const p32 = tree.map((a: np.Array) => a.ref.astype(np.float32), params) as Params;
    const b32 = tree.map((a: np.Array) => a.ref.astype(np.float32), batch) as NoisyBatch;
    const cols32 = await denseOf((v) => fns.hvp(tree.ref(p32), tree.ref(b32), v), niwOf(p32));
    fns.dispose();
    tree.dispose(p32);
    tree.dispose(b32);
    expect(maxDiff(cols32, block)).toBeLessThan(1e-4 * maxAbs(block));
  });

  it("the linearize operator falls back to jit when jax-js cannot linearize (structurally zero Hessian)", async () => {
    const reluOnly = (p: Params, b: NoisyBatch) => {
      tree.dispose(b);
      return nn.relu(p["layer0.bias"].ref).sum().add(p["layer1.bias"].sum()).add(tree.leaves(p).length * 0);
    };
    const p = tree.ref(params);
    const op = hessianOperator(reluOnly, p, batch, { method: "linearize" });
    const hv = await treeToHost(op.apply(treeFromHost(new Float64Array(P).fill(1), params)));
    op.dispose();
    tree.dispose(p);
    expect(Math.max(...Array.from(hv).map(Math.abs))).toBe(0);
  });

  it("the 'zero' mode scales exactly as sigma^2", async () => {
    const lam = async (sigma: number) => {
      const op = noiseGnOperator({ ...model, net: tinyNet([5, 4, 3], "all", sigma) }, params, batch, { at: "zero" });
      const r = await lanczosTop(op, params, random.key(5), { iters: 30, tol: 1e-10 });
      op.dispose();
      return r.value;
    };
    expect(rel(await lam(3), 4 * (await lam(1.5)))).toBeLessThan(1e-8);
  });
});

describe("linear toy model of docs/method.md §3 in jax-js (h = u x + theta eps, f = v.h, MSE/2)", () => {
  const n = 8;
  const sigma = 2;
  const layers: Layer[] = [
    { kind: "dense", nIn: 1, nOut: n, relu: false },
    { kind: "dense", nIn: n, nOut: 1, relu: false },
  ];
  // The layers as a registered chain model; NIN "input" = the one site nin0 on h.
  const name = "test-linear-toy";
  registerModel({ name, description: "test: the linear toy model of docs/method.md §3", build: () => chainModel(name, [1], layers) });
  const net = buildNetwork({ ...DEFAULT_CONFIG, model: name, widths: [1, n, 1], nin: "input", ninLogit: true, sigma, noise: "gaussian", thetaInit: "default", thetaScale: 1, cninShape: "chw" }, { inputShape: [1], classes: 1 });
  const model: CurvatureModel = { net, loss: "mse" };
  const ks = random.split(random.key(3), 4);
  const u = f64(random.normal(ks.ref.slice(0), [1, n]));
  const v = f64(random.normal(ks.ref.slice(1), [n, 1]).mul(1 / Math.sqrt(n)));
  const theta = f64(random.normal(ks.ref.slice(2), [n]).mul(1 / Math.sqrt(n)));
  const params: Params = {
    // Dense weights are stored [n_out, n_in].
    "layer0.weight": u.transpose(),
    "layer0.bias": np.zeros([n], { dtype: np.float64 }),
    "layer1.weight": v.ref.transpose(),
    "layer1.bias": np.zeros([1], { dtype: np.float64 }),
    "nin0.theta": theta.ref,
  };
  const B = 64;
  const xs = random.split(ks.slice(3), 2);
  const x = f64(random.normal(xs.ref.slice(0), [B, 1]));
  const batch: NoisyBatch = { x: x.ref, y: x.mul(1), eps: drawNoise(model, xs.slice(1), B, np.float64), state: {} };
  let vv = 0;
  let tt = 0;
  let m2 = 0;
  beforeAll(async () => {
    vv = (await np.square(v).sum().data())[0];
    tt = (await np.square(theta).sum().data())[0];
    m2 = (await np.square(batch.eps[0].ref).mean().data())[0];
  });

  it("lambda_noise = m2 (|v|^2 + |theta|^2) (sampled), sigma^2 (|v|^2 + |theta|^2) (zero)", async () => {
    for (const [at, scale] of [["sampled", m2], ["zero", sigma * sigma]] as const) {
      const op = noiseGnOperator(model, params, batch, { at });
      const r = await lanczosTop(op, params, random.key(9), { iters: 10, tol: 1e-12 });
      op.dispose();
      expect(rel(r.value, scale * (vv + tt))).toBeLessThan(1e-9);
      // The GN noise matrix has rank one: Lanczos breaks down after the first steps.
      expect(r.matvecs).toBeLessThanOrEqual(3);
    }
  });

  it("lambda_niw = m2 |v|^2 (about half of lambda_noise), and the meter reports all three", async () => {
    const meter = makeCurvatureMeter(model, { iters: 40, tol: 1e-10, timeGradient: false });
    const r = await meter.batch(params, batch, random.key(4));
    meter.dispose();
    expect(rel(r.eps_m2[0], m2)).toBeLessThan(1e-12);
    expect(rel(r.lambda_noise!, m2 * (vv + tt))).toBeLessThan(1e-8);
    expect(rel(r.lambda_niw!, m2 * vv)).toBeLessThan(1e-8);
    expect(r.lambda_niw! / r.lambda_noise!).toBeGreaterThan(0.2);
    expect(r.lambda_niw! / r.lambda_noise!).toBeLessThan(0.8);
    expect(r.lambda_niw!).toBeLessThanOrEqual(r.lambda_max! * (1 + 1e-9));
  });
});

describe("measureCurvature on a run config (784-8-10 in-NINR, float32)", () => {
  it("averages batches, reports k = lr * lambda_noise, is deterministic, and lambda_niw <= lambda_max", async () => {
    const cfg = resolveConfig({ widths: [784, 8, 10], nin: "input", sigma: 3, lr: 0.05 });
    const info = { inputShape: [784], classes: 10 };
    const { params, state } = buildNetwork(cfg, info).init(random.key(0));
    const n = 96;
    const images = new Float32Array(n * 784);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 10;
      for (let j = 0; j < 784; j++) images[i * 784 + j] = ((i * 31 + j * 17) % 101) / 100;
    }
    const split = { images, labels, n };
    const opts = { batches: 2, batchSize: 32, iters: 12, seed: 4 };
    const a = await measureCurvature(cfg, info, params, state, split, opts);
    const b = await measureCurvature(cfg, info, params, state, split, { ...opts, timeGradient: false });
    expect(a.per_batch).toHaveLength(2);
    expect(a.lambda_noise!).toBeGreaterThan(0);
    expect(rel(a.lambda_noise!, (a.per_batch[0].lambda_noise! + a.per_batch[1].lambda_noise!) / 2)).toBeLessThan(1e-12);
    expect(rel(a.k!, 0.05 * a.lambda_noise!)).toBeLessThan(1e-12);
    expect(b.lambda_noise).toBe(a.lambda_noise);
    expect(b.lambda_max).toBe(a.lambda_max);
    for (const p of a.per_batch) {
      expect(p.lambda_niw!).toBeLessThanOrEqual(p.lambda_max! * (1 + 1e-3));
      expect(p.eps_m2[0]).toBeGreaterThan(0);
    }
    expect(a.grad_ms).toBeGreaterThan(0);
    expect(a.grad_equivalents!).toBeGreaterThan(1);
    expect(b.grad_ms).toBeNull();
    // FD Hessian (float64 inside) and power iteration agree with exact Lanczos on batch 1.
    const one = { ...opts, batches: 1, timeGradient: false };
    const exact = await measureCurvature(cfg, info, params, state, split, { ...one, iters: 30, tol: 1e-6 });
    const fd = await measureCurvature(cfg, info, params, state, split, { ...one, iters: 30, tol: 1e-6, hvp: "fd" });
    expect(rel(fd.lambda_max!, exact.lambda_max!)).toBeLessThan(1e-2);
    expect(rel(fd.lambda_niw!, exact.lambda_niw!)).toBeLessThan(1e-2);
    const pw = await measureCurvature(cfg, info, params, state, split, { ...one, method: "power", iters: 200, tol: 1e-7, which: { noise: true, hessian: false, niw: false } });
    expect(rel(pw.lambda_noise!, exact.lambda_noise!)).toBeLessThan(1e-2);
    expect(pw.lambda_max).toBeNull();
    // Params are borrowed: still usable.
    expect(params["nin0.theta"].shape).toEqual([8]);
    tree.dispose(params);
  });

  it("nin 'none': lambda_noise = 0 and no NIW block", async () => {
    const model: CurvatureModel = { net: tinyNet([5, 4, 3], "none", 1), loss: "softmax-ce" };
    expect(model.net.sites).toHaveLength(0);
    const params = tinyParams([5, 4, 3], "none", 3);
    const x = f64(random.uniform(random.key(1), [8, 5]));
    const y = f64(nn.oneHot(np.array(new Int32Array([0, 1, 2, 0, 1, 2, 0, 1])), 3).astype(np.float32));
    const r = await measureCurvatureModel(model, params, {}, [{ x, y }], { lr: 0.1, timeGradient: false, iters: 30 });
    expect(r.lambda_noise).toBe(0);
    expect(r.k).toBe(0);
    expect(r.lambda_niw).toBeNull();
    expect(r.lambda_max!).toBeGreaterThan(0);
  });
});
