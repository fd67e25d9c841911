/**
 * The WebGPU rows: the MLP and CNN train steps (samples/s) and one lambda_niw estimate (ms, and
 * in gradient-equivalents) on one device, with the same workloads and timing rules as
 * `ninr bench` (src/node/bench/ours.ts: W1 MLP 784-512-512-512-10, W2 the CNN, W3 the in-NINR
 * MLP's NIW-block Lanczos on one batch of 256).
 *
 *   npx tsx bench/webgpu.ts [--device webgpu|wasm|auto] [--batch 128] [--steps 10] [--reps 3] [--json]
 *
 * Run it with `--device webgpu` on a machine with a GPU and its Vulkan driver, and once with
 * `--device wasm` on the same machine for the ratio (tsx alone runs Wasm on one thread; for the
 * threaded figure use `ninr bench`). Without a GPU, VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
 * gives Dawn SwiftShader's CPU adapter: those numbers say that the path runs, not how fast a GPU
 * is (the output marks them `cpu_adapter: true`, correctness only).
 */
import { curvatureEstimate, CNN_STEP, MLP_STEP, stepRateDetail } from "../src/node/bench/ours.ts";
import { type DeviceKind, checkDeviceKind, describeAdapter, isCpuAdapter, setupDevice } from "../src/node/device.ts";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const kind: DeviceKind = checkDeviceKind(arg("device", "webgpu"), "--device");
const batch = Number(arg("batch", "128"));
const steps = Number(arg("steps", "10"));
const reps = Number(arg("reps", "3"));
const json = process.argv.includes("--json");

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const log = (s: string) => json || process.stderr.write(s + "\n");

const choice = await setupDevice(kind);
const cpuAdapter = choice.adapter ? isCpuAdapter(choice.adapter) : null;
log(`device ${choice.device}${choice.adapter ? ` on ${describeAdapter(choice.adapter)}` : ""}${choice.reason ? ` (${choice.reason})` : ""}`);

const rows: Record<string, unknown>[] = [];
for (const [name, cfg] of [["mlp_step", MLP_STEP], ["cnn_step", CNN_STEP]] as const) {
  const t0 = performance.now();
  const { rates } = await stepRateDetail(cfg, batch, steps, reps);
  rows.push({ workload: name, unit: "samples/s", batch, median: median(rates), runs: rates, seconds: (performance.now() - t0) / 1000 });
  log(`${name}: ${median(rates).toFixed(1)} samples/s at batch ${batch} (runs ${rates.map((r) => r.toFixed(1)).join(", ")})`);
}
const c = await curvatureEstimate(reps);
const ms = median(c.ms);
rows.push({ workload: "lambda_niw_estimate", unit: "ms", median: ms, runs: c.ms, grad_ms: median(c.grad_ms), grad_equivalents: ms / median(c.grad_ms), matvecs: c.matvecs, lambda_niw: c.lambda_niw, data: c.data });
log(`lambda_niw estimate: ${ms.toFixed(0)} ms = ${(ms / median(c.grad_ms)).toFixed(1)} gradient-equivalents (${c.matvecs.join(",")} matvecs; lambda_niw ${c.lambda_niw.toPrecision(4)})`);

const out = { device: choice.device, requested: kind, adapter: choice.adapter ?? null, cpu_adapter: cpuAdapter, correctness_only: cpuAdapter === true, node: process.version, date: new Date().toISOString(), rows };
process.stdout.write(JSON.stringify(out, null, json ? 2 : 0) + "\n");
