/**
 * TensorFlow.js reference for `npm run bench` (bench/run.ts): the workloads of src/node/bench/reference.py (PyTorch), same
 * shapes, batch sizes, init, plain SGD and softmax cross-entropy, run on TF.js's Wasm or JS CPU
 * backend. Standalone: nothing from src/ is imported.
 *
 *   npx tsx bench/tfjs.ts WORKLOAD REPS BACKEND      # BACKEND = wasm | cpu
 *
 * Prints one JSON line last:
 *   {"workload", "values": [...REPS numbers], "unit": "samples/s" | "ms", "backend",
 *    "threads", "simd", "multithread_build", "maxrss_mb"}
 * - "threads": threads the backend computed with: XNNPACK's thread count for wasm
 *   (`getThreadsCount()`), 1 for cpu (plain JS on the main thread). TF.js picks the threaded Wasm
 *   build only when `WASM_HAS_MULTITHREAD_SUPPORT` holds, and that flag is hard-wired to false under
 *   Node (tfjs issue #3830), so in Node it is the single-threaded build, SIMD when the engine has it.
 *   "simd" / "multithread_build" are those two flags (`WASM_HAS_SIMD_SUPPORT`,
 *   `WASM_HAS_MULTITHREAD_SUPPORT`); null on cpu.
 * - "maxrss_mb": `process.resourceUsage().maxRSS / 1024` at the end.
 *
 * Workloads (mirroring reference.py):
 * - mlp_step      MLP 784-512-512-512-10, ReLU, batch 128, SGD lr 0.01; REPS timings of 10 steps
 *                 after 3 warm-up steps; samples/s.
 * - mlp_step_nin  the same with an input NIN: z1 = x W1 + b1 + sigma * eps * theta,
 *                 eps ~ N(0,1) one scalar per sample (fresh every step), theta trainable (512), sigma 1.
 * - cnn_step      conv3x3 32 same, relu, maxpool 2, conv3x3 64 same, relu, maxpool 2,
 *                 dense 3136-128 relu, dense 128-10 (NHWC, TF.js's layout); batch 128, 2 steps per timing.
 *                 The Wasm backend has no Conv2DBackpropFilter kernel, so where it is missing the
 *                 conv's filter gradient is computed from the same Wasm kernels as 9 shifted
 *                 matmuls (a tf.customGrad; the JSON then carries a "note").
 * - hvp           one exact Hessian-vector product of the in-NINR loss, MLP 784-512-512-10, batch 512,
 *                 as tf.grads of a function that calls tf.grads; ms. Where TF.js cannot take the
 *                 second derivative it prints {"workload":"hvp","values":[],"unit":"ms",
 *                 "unsupported":"<error>"} and exits 0. With tfjs 4.22 it does: softmaxCrossEntropy's
 *                 gradient is a tf.customGrad whose saved tensors are not on the outer tape. A
 *                 hand-written log-sum-exp loss does not help: TF.js saves an op's *output* for its
 *                 gradient (Exp, Tanh, Sigmoid, ...) through a tape node recorded before the op's own,
 *                 so second derivatives through Exp either throw or silently drop terms
 *                 (d2/dx2 of x e^x comes out 2e^x; tensorflow/tfjs#3252) -- no HVP number is given.
 * Every step reads the loss back (`dataSync`) so no backend can defer work past the timer; all
 * per-step tensors are disposed (tf.tidy / minimize), so memory stays flat.
 * The data are fixed random inputs x ~ U(0,1) and labels y ~ U{0..9}, as in reference.py.
 * Reading the numbers: TF.js's Wasm MatMul is fast only untransposed (XNNPACK); the transposed
 * products of the backward pass (dy W^T, x^T dy) measured ~10x slower here, and dominate the MLP steps.
 */
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { getThreadsCount, setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

const [workload, repsArg, backend] = process.argv.slice(2);
const reps = Number(repsArg);
if (!workload || !Number.isInteger(reps) || reps < 1 || (backend !== "wasm" && backend !== "cpu")) {
  console.error("usage: npx tsx bench/tfjs.ts mlp_step|mlp_step_nin|cnn_step|hvp REPS wasm|cpu");
  process.exit(2);
}

// tfjs-core's Node bundle registers no gradients (the @tensorflow/tfjs union package bundles them).
// Register them from core's own dist/register_all_gradients.js: the registry is a global, shared by
// every copy of core. It is ESM with extensionless imports, so it loads only through require under
// tsx (whose CJS loader transpiles it and resolves "./gradients" to gradients.js, where Node's own ESM
// resolver rejects the gradients/ directory of the same name); hence `npx tsx`, not plain node.
const require = createRequire(import.meta.url);
require("@tensorflow/tfjs-core/dist/register_all_gradients.js");

// --- backend -------------------------------------------------------------------------------
let threads = 1;
let simd: boolean | null = null;
let multithreadBuild: boolean | null = null;
if (backend === "wasm") {
  // The .wasm binaries sit next to the package's Node bundle (dist/); Emscripten's Node path reads
  // them with fs.readFileSync, so a plain directory prefix (ending in "/") is what it needs.
  const dist = path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm"));
  setWasmPaths(dist + path.sep);
}
// Emscripten's Node glue adds process listeners that rethrow any uncaught error (printing its whole
// minified source); drop the ones added during backend init so errors read normally.
const listenersBefore = {
  uncaughtException: process.listeners("uncaughtException"),
  unhandledRejection: process.listeners("unhandledRejection"),
};
if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed to initialize`);
await tf.ready();
for (const l of process.listeners("uncaughtException"))
  if (!listenersBefore.uncaughtException.includes(l)) process.removeListener("uncaughtException", l);
for (const l of process.listeners("unhandledRejection"))
  if (!listenersBefore.unhandledRejection.includes(l)) process.removeListener("unhandledRejection", l);
if (backend === "wasm") {
  threads = getThreadsCount();
  simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
  multithreadBuild = Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"));
}
const notes: string[] = [];

// --- models (PyTorch default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases) --
let seed = 0;
const uniform = (shape: number[], bound: number) => {
  const init = tf.randomUniform(shape, -bound, bound, "float32", seed++);
  const v = tf.variable(init);
  init.dispose();
  return v;
};

type Params = tf.Variable[];
type Forward = (x: tf.Tensor2D) => tf.Tensor2D;

function mlp(widths: number[], nin: boolean, sigma = 1): { params: Params; forward: Forward } {
  const layers = widths.slice(1).map((out, i) => {
    const b = 1 / Math.sqrt(widths[i]);
    return { w: uniform([widths[i], out], b), b: uniform([out], b) };
  });
  const theta = nin ? uniform([widths[1]], 1 / Math.sqrt(widths[0] + 1)) : null;
  const params = layers.flatMap((l) => [l.w, l.b]).concat(theta ? [theta] : []);
  const forward: Forward = (x) => {
    let h: tf.Tensor2D = x;
    layers.forEach((l, i) => {
      let z = tf.add(tf.matMul(h, l.w), l.b) as tf.Tensor2D;
      if (i === 0 && theta) z = tf.add(z, tf.mul(tf.mul(tf.randomNormal([x.shape[0], 1]), sigma), theta));
      h = i < layers.length - 1 ? tf.relu(z) : z;
    });
    return h;
  };
  return { params, forward };
}

/** dW of a 3x3, stride-1, "same" conv (NHWC) as 9 shifted [Cin x NHW] x [NHW x Cout] matmuls. */
function filterGrad3x3(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, cin] = x.shape;
  const cout = dy.shape[3];
  const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const dy2 = tf.reshape(dy, [n * h * w, cout]);
  const taps: tf.Tensor2D[] = [];
  for (let kh = 0; kh < 3; kh++)
    for (let kw = 0; kw < 3; kw++)
      taps.push(tf.matMul(tf.reshape(tf.slice(xp, [0, kh, kw, 0], [n, h, w, cin]), [n * h * w, cin]), dy2, true, false));
  return tf.reshape(tf.stack(taps), [3, 3, cin, cout]);
}

const hasFilterGrad = tf.getKernel("Conv2DBackpropFilter", backend) !== undefined;
const conv3x3Same: (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D = hasFilterGrad
  ? (x, f) => tf.conv2d(x, f, 1, "same")
  : tf.customGrad((x, f, save) => {
      const [xx, ff] = [x as tf.Tensor4D, f as tf.Tensor4D];
      (save as tf.GradSaveFunc)([xx, ff]);
      return {
        value: tf.conv2d(xx, ff, 1, "same"),
        gradFunc: (dy, saved) => {
          const [sx, sf] = saved as [tf.Tensor4D, tf.Tensor4D];
          const d = dy as tf.Tensor4D;
          return [tf.conv2dTranspose(d, sf, sx.shape, 1, "same"), filterGrad3x3(sx, d)];
        },
      };
    }) as (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D;

function cnn(): { params: Params; forward: Forward } {
  if (!hasFilterGrad) notes.push(`no Conv2DBackpropFilter kernel on ${backend}: conv filter gradient as 9 shifted matmuls`);
  const b1 = 1 / Math.sqrt(1 * 9), b2 = 1 / Math.sqrt(32 * 9), b3 = 1 / Math.sqrt(3136), b4 = 1 / Math.sqrt(128);
  const [k1, c1, k2, c2] = [uniform([3, 3, 1, 32], b1), uniform([32], b1), uniform([3, 3, 32, 64], b2), uniform([64], b2)];
  const [w3, d3, w4, d4] = [uniform([3136, 128], b3), uniform([128], b3), uniform([128, 10], b4), uniform([10], b4)];
  const forward: Forward = (x) => {
    let h = tf.reshape(x, [x.shape[0], 28, 28, 1]) as tf.Tensor4D;
    h = tf.maxPool(tf.relu(tf.add(conv3x3Same(h, k1 as tf.Tensor4D), c1)) as tf.Tensor4D, 2, 2, "valid") as tf.Tensor4D;
    h = tf.maxPool(tf.relu(tf.add(conv3x3Same(h, k2 as tf.Tensor4D), c2)) as tf.Tensor4D, 2, 2, "valid") as tf.Tensor4D;
    const f = tf.reshape(h, [x.shape[0], 3136]) as tf.Tensor2D;
    return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(f, w3), d3)), w4), d4) as tf.Tensor2D;
  };
  return { params: [k1, c1, k2, c2, w3, d3, w4, d4], forward };
}

const data = (batch: number) => {
  const x = tf.randomUniform([batch, 784], 0, 1, "float32", 1234) as tf.Tensor2D;
  const labels = tf.randomUniform([batch], 0, 10, "int32", 4321);
  const y = tf.cast(tf.oneHot(labels, 10), "float32") as tf.Tensor2D;
  labels.dispose();
  return { x, y };
};

// --- workloads ---------------------------------------------------------------------------------
function trainStepRate(model: { params: Params; forward: Forward }, batch: number, steps: number): number[] {
  const opt = tf.train.sgd(0.01);
  const { x, y } = data(batch);
  const step = () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar, true, model.params)!;
    loss.dataSync();
    loss.dispose();
  };
  for (let i = 0; i < 3; i++) step();
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    out.push((batch * steps) / ((performance.now() - t0) / 1000));
  }
  return out;
}

function hvpMs(batch: number): number[] {
  const { params } = mlp([784, 512, 512, 10], true); // [w1, b1, w2, b2, w3, b3, theta]
  const { x, y } = data(batch);
  const v = params.map((p, i) => tf.randomNormal(p.shape, 0, 1, "float32", 99 + i));
  const once = () =>
    tf.tidy(() => {
      // The loss as a pure function of the parameter tensors (tf.grads differentiates its arguments).
      const lossOf = (ps: tf.Tensor[]) => {
        const [w1, b1, w2, b2, w3, b3, theta] = ps;
        let z = tf.add(tf.matMul(x, w1), b1);
        z = tf.add(z, tf.mul(tf.randomNormal([batch, 1]), theta));
        let h = tf.relu(z);
        h = tf.relu(tf.add(tf.matMul(h, w2), b2));
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(h, w3), b3)) as tf.Scalar;
      };
      const gv = (...ps: tf.Tensor[]) => {
        const g = tf.grads((...qs: tf.Tensor[]) => lossOf(qs))(ps);
        return tf.addN(g.map((gi, i) => tf.sum(tf.mul(gi, v[i])))) as tf.Scalar;
      };
      const hv = tf.grads(gv)(params);
      for (const t of hv) t.dataSync();
      return hv;
    });
  const out: number[] = [];
  tf.dispose(once());
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const hv = once();
    out.push(performance.now() - t0);
    tf.dispose(hv);
  }
  return out;
}

let result: Record<string, unknown>;
if (workload === "mlp_step") result = { values: trainStepRate(mlp([784, 512, 512, 512, 10], false), 128, 10), unit: "samples/s" };
else if (workload === "mlp_step_nin") result = { values: trainStepRate(mlp([784, 512, 512, 512, 10], true), 128, 10), unit: "samples/s" };
else if (workload === "cnn_step") result = { values: trainStepRate(cnn(), 128, 2), unit: "samples/s" };
else if (workload === "hvp") {
  try {
    result = { values: hvpMs(512), unit: "ms" };
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ").trim();
    console.log(JSON.stringify({ workload, values: [], unit: "ms", unsupported: msg }));
    process.exit(0);
  }
} else {
  console.error(`unknown workload ${workload}`);
  process.exit(2);
}
console.log(
  JSON.stringify({
    workload,
    ...result,
    backend,
    threads,
    simd,
    multithread_build: multithreadBuild,
    ...(notes.length ? { note: notes.join("; ") } : {}),
    maxrss_mb: process.resourceUsage().maxRSS / 1024,
  }),
);
