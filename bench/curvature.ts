/**
 * Cost of the curvature instruments on the default MLP (784-512-512-10, in-NINR), in ms and in
 * gradient-equivalents (time / time of one jitted gradient of the same loss at the same batch):
 * one gradient, one exact HVP (three ways), one FD HVP, one noise-GN matvec (two ways), and one
 * full `measureCurvature` estimate (one batch; all three numbers, and lambda_noise alone).
 *
 *   npx tsx bench/curvature.ts [--sigma 10] [--batches 256,512] [--reps 5] [--fd-batch 256]
 *
 * Data: Fashion-MNIST if installed, else the bundled sample. Timings are medians of `reps`
 * warm runs (the first call, which compiles, is not counted) except the one-off setups.
 */
import os from "node:os";
import { grad, jit, jvp, numpy as np, random, tree } from "@jax-js/jax";
import { resolveConfig } from "../src/config.ts";
import { curvatureModelFor, drawNoise, makeCurvatureMeter, measureCurvature } from "../src/dynamics/curvature.ts";
import { type NoisyBatch, hessianOperator, makeGnMatvec, makeHvpFns, noiseGnOperator, noisyLoss } from "../src/dynamics/hvp.ts";
import { treeRandomNormal } from "../src/engine/treeMath.ts";
import type { Params } from "../src/models/model.ts";
import { loadDataset } from "../src/node/data/fashionFiles.ts";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const sigma = Number(arg("sigma", "10"));
const sizes = arg("batches", "256,512").split(",").map(Number);
const reps = Number(arg("reps", "5"));
/** The FD estimate (float64, 60-80 gradients a product) runs only at this batch size. */
const fdBatch = Number(arg("fd-batch", "256"));

async function settle(r: unknown): Promise<void> {
  for (const a of tree.leaves(r as never) as np.Array[]) await a.blockUntilReady();
  tree.dispose(r as never);
}

/** Median ms of `reps` runs after one warm-up (compile) run. */
async function timeIt(f: () => unknown, n = reps): Promise<number> {
  await settle(f());
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await settle(f());
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[n >> 1];
}

async function oneOff(f: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

const ds = loadDataset({ allowSample: true });
const cfg = resolveConfig({ nin: "input", sigma });
const model = curvatureModelFor(cfg, ds);
const loss = noisyLoss(model);
const { params, state } = model.net.init(random.key(cfg.seed));
console.log(`# curvature cost, MLP ${cfg.widths.join("-")}, in-NINR, sigma ${sigma}, data ${ds.source}; reps ${reps}; load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);

for (const B of sizes) {
  const n = B;
  const x = new Float32Array(n * 784);
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) {
    x.set(ds.train.images.subarray(i * 784, i * 784 + 784), i * 784);
    y[i * 10 + ds.train.labels[i]] = 1;
  }
  const batch: NoisyBatch = {
    x: np.array(x).reshape([n, 784]),
    y: np.array(y).reshape([n, 10]),
    eps: drawNoise(model, random.key(1), n),
    state: tree.ref(state),
  };
  const v = treeRandomNormal(random.key(2), params);
  const fns = makeHvpFns(loss);
  const rows: [string, number][] = [];
  const g = await timeIt(() => fns.grad(tree.ref(params), tree.ref(batch)));
  rows.push(["gradient (jit)", g]);
  rows.push(["exact HVP, jit reverse-over-forward (default)", await timeIt(() => fns.hvp(tree.ref(params), tree.ref(batch), tree.ref(v)))]);
  const fwdOverRev = jit((p: Params, b: NoisyBatch, vv: Params) => {
    const [g0, hv] = jvp((q: Params) => grad(loss)(q, tree.ref(b)) as Params, [p], [vv]);
    tree.dispose(g0);
    tree.dispose(b);
    return hv;
  });
  rows.push(["exact HVP, jit jvp(grad) (forward-over-reverse)", await timeIt(() => fwdOverRev(tree.ref(params), tree.ref(batch), tree.ref(v)), 3)]);
  fwdOverRev.dispose();
  let hOp = hessianOperator(loss, params, batch, { method: "linearize" });
  hOp.dispose();
  rows.push(["exact HVP 'linearize' operator setup (linearize(grad), once per batch)", await oneOff(async () => {
    hOp = hessianOperator(loss, params, batch, { method: "linearize" });
    await settle(hOp.apply(tree.ref(v)));
  })]);
  rows.push(["exact HVP 'linearize' operator, per matvec", await timeIt(() => hOp.apply(tree.ref(v)))]);
  hOp.dispose();
  rows.push(["FD HVP (jit, 2 gradients in float64)", await timeIt(() => fns.fdHvp(tree.ref(params), tree.ref(batch), tree.ref(v)))]);
  let gOp = noiseGnOperator(model, params, batch);
  gOp.dispose();
  rows.push(["noise-GN operator setup (linearize + vjp, once per batch)", await oneOff(async () => {
    gOp = noiseGnOperator(model, params, batch);
    await settle(gOp.apply(tree.ref(v)));
  })]);
  rows.push(["noise-GN operator, per matvec (used by measureCurvature)", await timeIt(() => gOp.apply(tree.ref(v)))]);
  gOp.dispose();
  const gnJit = makeGnMatvec(model);
  rows.push(["noise-GN matvec, stateless jit", await timeIt(() => gnJit(tree.ref(params), tree.ref(batch), tree.ref(v)))]);
  gnJit.dispose();
  fns.dispose();

  const withFd = B === fdBatch;
  const nEst = Math.min(ds.train.n, 4 * B);
  const split = { images: ds.train.images.subarray(0, nEst * 784), labels: ds.train.labels.subarray(0, nEst), n: nEst };
  const est = async (label: string, o: Parameters<typeof measureCurvature>[5]) => {
    const r = await measureCurvature(cfg, ds, params, state, split, { batches: 1, batchSize: B, timeGradient: false, ...o });
    const m = r.per_batch[0].matvecs;
    rows.push([`measureCurvature, 1 batch, ${label} (${m.noise}+${m.hessian}+${m.niw} matvecs)`, r.seconds * 1000]);
    return r;
  };
  const full = await est("all three, default", {});
  await est("lambda_noise only", { which: { hessian: false, niw: false } });
  await est("lambda_noise only, iters 10, tol 1e-2", { which: { hessian: false, niw: false }, iters: 10, tol: 1e-2 });
  const meter = makeCurvatureMeter(model, {});
  await meter.measure(params, state, [{ x: batch.x, y: batch.y }], { seed: 1 }); // compile
  const warm = await meter.measure(params, state, [{ x: batch.x, y: batch.y }], { seed: 2 });
  meter.dispose();
  const wm = warm.per_batch[0].matvecs;
  rows.push([`makeCurvatureMeter().measure, warm (compiled), all three (${wm.noise}+${wm.hessian}+${wm.niw} matvecs)`, warm.seconds * 1000]);
  const lin = await est("all three, hvp 'linearize'", { hvp: "linearize" });
  const fd = withFd ? await est("all three, hvp 'fd' (float64)", { hvp: "fd" }) : null;

  console.log(`\n## batch ${B}`);
  console.log("| what | ms | gradient-equivalents |\n|---|---:|---:|");
  for (const [name, ms] of rows) console.log(`| ${name} | ${ms.toFixed(1)} | ${(ms / g).toFixed(2)} |`);
  const p = full.per_batch[0];
  console.log(
    `\nvalues (exact): lambda_noise ${p.lambda_noise?.toPrecision(4)}, lambda_max ${p.lambda_max?.toPrecision(4)}, lambda_niw ${p.lambda_niw?.toPrecision(4)}, ` +
      `k = ${full.k?.toPrecision(4)} (eta ${cfg.lr}); converged ${JSON.stringify(p.converged)}; ` +
      `linearize: lambda_max ${lin.lambda_max?.toPrecision(4)}, lambda_niw ${lin.lambda_niw?.toPrecision(4)}` +
      (fd ? `; FD: lambda_max ${fd.lambda_max?.toPrecision(4)}, lambda_niw ${fd.lambda_niw?.toPrecision(4)} (ReLU kinks: see hvp.ts)` : ""),
  );
  tree.dispose(batch);
  tree.dispose(v);
}
tree.dispose(params);
tree.dispose(state);
