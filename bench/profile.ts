/**
 * Where a train step's time goes: per-kernel timings of the jitted step (W1 MLP or W2 CNN at
 * batch 128, or the bench's ResNet-18 step at its batch of 64), from jax-js's own kernel tracer (`profiler.startTrace`, which times each Wasm
 * kernel on the main thread), grouped by kernel shape, with GFLOP/s for the matmul-like
 * reductions (2 * outputs * reduction length FLOPs).
 *
 *   npx tsx bench/profile.ts [mlp|cnn|resnet] [--steps 20] [--json]
 *
 * Single-threaded by construction (tracing needs synchronous dispatch). Read the result
 * against bench/wasmPeak.ts (what Wasm SIMD can do on this machine) and PyTorch's GFLOP/s.
 */
import { PerformanceObserver } from "node:perf_hooks";
import { numpy as np, profiler, random } from "@jax-js/jax";
import { CALO_INFO, CNN_STEP, FASHION_INFO, MLP_STEP, RESNET_BATCH, RESNET_STEP } from "../src/node/bench/ours.ts";
import { makeStepFns } from "../src/train/step.ts";

const which = process.argv[2] === "cnn" || process.argv[2] === "resnet" ? process.argv[2] : "mlp";
const i = process.argv.indexOf("--steps");
const steps = i > 0 ? Number(process.argv[i + 1]) : which === "mlp" ? 20 : 3;
const json = process.argv.includes("--json");
const cfg = { mlp: MLP_STEP, cnn: CNN_STEP, resnet: RESNET_STEP }[which];
const info = which === "resnet" ? CALO_INFO : FASHION_INFO;
const B = which === "resnet" ? RESNET_BATCH : 128;

type Group = { label: string; calls: number; ms: number; flops: number };
const groups = new Map<string, Group>();
let collecting = false;
const obs = new PerformanceObserver((list) => {
  if (!collecting) return;
  for (const e of list.getEntries()) {
    const props = Object.fromEntries(((e as { detail?: { devtools?: { properties?: [string, string][] } } }).detail?.devtools?.properties ?? []) as [string, string][]);
    const size = Number(props.size ?? 0);
    const red = props.reduction ?? "";
    const label = `${e.name}${red ? ` reduce ${red}` : ""} args ${props.nargs ?? "?"}`;
    const g = groups.get(label) ?? { label, calls: 0, ms: 0, flops: 0 };
    g.calls++;
    g.ms += e.duration;
    const [op, len] = red.split(":");
    if (op === "Add") g.flops += 2 * size * Number(len);
    groups.set(label, g);
  }
});
obs.observe({ entryTypes: ["measure"] });

const fns = makeStepFns(cfg, info);
let { params, state } = fns.net.init(random.key(0));
let opt = fns.init(params);
const x = random.uniform(random.key(1), [B, info.inputShape.reduce((a, b) => a * b, 1)]);
const y = np.zeros([B, info.classes]).add(1 / info.classes);
const run = (n: number, seed: number) => {
  for (let s = 0; s < n; s++) {
    const [p, st, o, loss, correct] = fns.trainStep(params, state, opt, x.ref, y.ref, random.key(seed + s));
    params = p;
    state = st;
    opt = o;
    correct.dispose();
    loss.dataSync(); // synchronous: every kernel runs (and is timed) on this thread
  }
};
run(3, 0);
profiler.startTrace();
collecting = true;
const t0 = performance.now();
run(steps, 100);
const wall = performance.now() - t0;
profiler.stopTrace();
await new Promise((r) => setTimeout(r, 50));
collecting = false;
obs.disconnect();

const rows = [...groups.values()].sort((a, b) => b.ms - a.ms);
const kernelMs = rows.reduce((s, g) => s + g.ms, 0) / steps;
const matmul = rows.filter((g) => g.flops > 0 && g.flops / g.calls > 1e6);
const summary = {
  model: which,
  batch: B,
  steps,
  step_ms: wall / steps,
  kernel_ms_per_step: kernelMs,
  samples_per_s: (B * steps) / (wall / 1000),
  matmul_ms_per_step: matmul.reduce((s, g) => s + g.ms, 0) / steps,
  matmul_gflops: matmul.reduce((s, g) => s + g.flops, 0) / matmul.reduce((s, g) => s + g.ms, 0) / 1e6,
  kernels: rows.map((g) => ({ kernel: g.label, calls_per_step: g.calls / steps, ms_per_step: g.ms / steps, gflops: g.flops ? g.flops / g.ms / 1e6 : null })),
};
if (json) console.log(JSON.stringify(summary, null, 2));
else {
  console.log(`# ${which} train step, batch ${B}: ${summary.step_ms.toFixed(1)} ms/step (${summary.samples_per_s.toFixed(0)} samples/s), kernels ${kernelMs.toFixed(1)} ms`);
  console.log(`# matmul-like kernels: ${summary.matmul_ms_per_step.toFixed(1)} ms/step (${((100 * summary.matmul_ms_per_step) / summary.step_ms).toFixed(0)}%), ${summary.matmul_gflops.toFixed(1)} GFLOP/s\n`);
  console.log("| kernel | calls/step | ms/step | GFLOP/s |\n|---|---:|---:|---:|");
  for (const k of summary.kernels.slice(0, 20)) console.log(`| ${k.kernel} | ${k.calls_per_step.toFixed(0)} | ${k.ms_per_step.toFixed(2)} | ${k.gflops ? k.gflops.toFixed(1) : ""} |`);
}
