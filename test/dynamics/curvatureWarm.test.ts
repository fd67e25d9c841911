/**
 * A reused curvature meter (k(t) traces): from its second measure() call lambda_noise comes from
 * compiled Lanczos chunks (src/dynamics/chunkedTop.ts, noiseGnTraced.ts) started warm from the
 * previous call's eigenvector (src/dynamics/warmStart.ts). Checked against the dense eigensolver
 * on the float32 noise-GN matrix, against the eager operator, for fewer steps when warm, and for
 * flat device memory over repeated calls.
 */
import { describe, expect, it } from "vitest";

// Record jax-js's Wasm memory before the library loads, to watch it for leaks (as test/train/loop.test.ts).
const memories: WebAssembly.Memory[] = [];
const RealMemory = WebAssembly.Memory;
(WebAssembly as { Memory: unknown }).Memory = class extends RealMemory {
  constructor(desc: WebAssembly.MemoryDescriptor) {
    super(desc);
    memories.push(this);
  }
};

const { numpy: np, random, tree, nn } = await import("@jax-js/jax");
const { DEFAULT_CONFIG } = await import("../../src/config.ts");
const { buildNetwork } = await import("../../src/models/network.ts");
const { drawNoise, makeCurvatureMeter } = await import("../../src/dynamics/curvature.ts");
const { noiseGnOperator } = await import("../../src/dynamics/hvp.ts");
const { splitN } = await import("../../src/engine/keys.ts");
const { symmetricEigen } = await import("../../src/engine/lanczos.ts");
const { treeFromHost, treeSize, treeToHost } = await import("../../src/engine/treeMath.ts");

const wasmBytes = () => memories.reduce((s, m) => s + m.buffer.byteLength, 0);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

function net(widths: number[], sigma: number) {
  return buildNetwork({ ...DEFAULT_CONFIG, model: "mlp", widths, nin: "input", sigma, thetaInit: "normal", thetaScale: 1 }, { inputShape: [widths[0]], classes: widths[widths.length - 1] });
}

function data(nIn: number, nOut: number, B: number) {
  const x = random.uniform(random.key(11), [B, nIn]);
  const y = nn.oneHot(np.array(new Int32Array(Array.from({ length: B }, (_, i) => (i * 7) % nOut))), nOut).astype(np.float32);
  return { x, y };
}

describe("reused meter: chunked, warm-started lambda_noise (float32)", () => {
  it("equals the dense eigensolver and the eager operator, in fewer steps when warm", async () => {
    const widths = [10, 8, 4]; // 132 parameters; the GN matrix has rank <= 32 x 3
    const model = { net: net(widths, 2), loss: "softmax-ce" as const };
    const { params, state } = model.net.init(random.key(0));
    const d = data(10, 4, 32);
    const opts = { which: { noise: true, hessian: false, niw: false }, batches: 1, iters: 60, tol: 1e-6, timeGradient: false };
    /** The dense GN matrix of measure(seed)'s batch (the same eps as the meter draws) and its top eigenvalue. */
    const oracle = async (seed: number) => {
      const [epsKey] = splitN(splitN(random.key(seed), 1)[0], 2);
      const b = { x: d.x.ref, y: d.y.ref, eps: drawNoise(model, epsKey, 32), state: {} };
      const op = noiseGnOperator(model, params, b);
      const n = treeSize(params);
      const cols: Float64Array[] = [];
      for (let i = 0; i < n; i++) {
        const e = new Float64Array(n);
        e[i] = 1;
        cols.push(await treeToHost(op.apply(treeFromHost(e, params))));
      }
      op.dispose();
      tree.dispose(b);
      const dense = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => (cols[c][r] + cols[r][c]) / 2));
      return Math.max(...symmetricEigen(dense).values);
    };
    const cold = makeCurvatureMeter(model, opts);
    const eager = await cold.measure(params, state, [d], { seed: 2 }); // first call: eager operator, random start
    cold.dispose();
    const meter = makeCurvatureMeter(model, opts);
    await meter.measure(params, state, [d], { seed: 2 });
    const warm = await meter.measure(params, state, [d], { seed: 2 }); // chunked, warm from the same matrix
    const other = await meter.measure(params, state, [d], { seed: 3 }); // chunked, warm from another noise draw
    meter.dispose();
    const top2 = await oracle(2);
    expect(rel(eager.lambda_noise!, top2)).toBeLessThan(1e-4);
    expect(rel(warm.lambda_noise!, top2)).toBeLessThan(1e-4);
    expect(rel(warm.lambda_noise!, eager.lambda_noise!)).toBeLessThan(1e-5);
    expect(rel(other.lambda_noise!, await oracle(3))).toBeLessThan(1e-4);
    expect(warm.per_batch[0].converged.noise).toBe(true);
    expect(warm.per_batch[0].matvecs.noise).toBeLessThan(eager.per_batch[0].matvecs.noise);
    // warmStart off: the chunked path from a random start, the same eigenvalue.
    const noWarm = makeCurvatureMeter(model, { ...opts, warmStart: false });
    await noWarm.measure(params, state, [d], { seed: 1 });
    const r = await noWarm.measure(params, state, [d], { seed: 2 });
    noWarm.dispose();
    expect(rel(r.lambda_noise!, top2)).toBeLessThan(1e-4);
    expect(r.per_batch[0].matvecs.noise).toBe(eager.per_batch[0].matvecs.noise);
    tree.dispose(params);
    tree.dispose(d);
  }, 120_000);

  it("leaks no arrays over repeated measure() calls (all three numbers)", async () => {
    const widths = [784, 64, 10];
    const model = { net: net(widths, 3), loss: "softmax-ce" as const };
    const { params, state } = model.net.init(random.key(1));
    const d = data(784, 10, 32);
    const meter = makeCurvatureMeter(model, { batches: 1, iters: 8, timeGradient: false });
    for (let i = 0; i < 3; i++) await meter.measure(params, state, [d], { seed: i });
    const before = wasmBytes();
    for (let i = 3; i < 13; i++) await meter.measure(params, state, [d], { seed: i });
    // A leaked parameter tree (51k floats, 200 KB) per call would add 2 MB.
    expect(wasmBytes() - before).toBeLessThan(1 << 20);
    meter.dispose();
    tree.dispose(params);
    tree.dispose(d);
  }, 120_000);
  it("leaks no arrays over repeated lambda_niw estimates from the stored NIW Jacobian", async () => {
    // B 64 x 10 classes x 512 NIWs: a leaked Jacobian is 1.3 MB a call, 13 MB over the loop.
    const widths = [784, 512, 10];
    const model = { net: net(widths, 3), loss: "softmax-ce" as const };
    const { params, state } = model.net.init(random.key(2));
    const d = data(784, 10, 64);
    const meter = makeCurvatureMeter(model, { batches: 1, iters: 8, timeGradient: false, which: { noise: false, hessian: false, niw: true } });
    for (let i = 0; i < 3; i++) await meter.measure(params, state, [d], { seed: i });
    const before = wasmBytes();
    for (let i = 3; i < 13; i++) expect((await meter.measure(params, state, [d], { seed: i })).lambda_niw!).toBeGreaterThan(0);
    expect(wasmBytes() - before).toBeLessThan(1 << 20);
    meter.dispose();
    tree.dispose(params);
    tree.dispose(d);
  }, 120_000);
});
