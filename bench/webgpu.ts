/**
 * The WebGPU rows: the MLP, CNN and ResNet-18 train steps (samples/s) and one lambda_niw
 * estimate (ms, and in gradient-equivalents; from the stored NIW Jacobian and from HVPs) on one
 * device, with the same workloads and timing rules as `ninr bench` (src/node/bench/ours.ts: W1
 * MLP 784-512-512-512-10, W2 the CNN, the detector's ResNet-18 at width 16 on 16x16x6 with batch
 * 64, W3 the in-NINR MLP's NIW-block Lanczos on one batch of 256). On a GPU machine without Node
 * or network: bench/gpu/ (pack.sh here, run.sh there).
 *
 *   npx tsx bench/webgpu.ts [--device webgpu|wasm|auto] [--batch 128] [--steps 10] [--reps 3]
 *     [--only mlp_step,cnn_step,resnet_step,curvature,curvature_hvp] [--json]
 *
 * Run it with `--device webgpu` on a machine with a GPU and its Vulkan driver, and once with
 * `--device wasm` on the same machine for the ratio (tsx alone runs Wasm on one thread; for the
 * threaded figure use `ninr bench`). Without a GPU, VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
 * gives Dawn SwiftShader's CPU adapter: those numbers say that the path runs, not how fast a GPU
 * is (the output marks them `cpu_adapter: true`, correctness only).
 */
import { CALO_INFO, CNN_STEP, MLP_STEP, RESNET_BATCH, RESNET_STEP, curvatureEstimate, stepRateDetail } from "../src/node/bench/ours.ts";
import { type DeviceKind, checkDeviceKind, describeAdapter, isCpuAdapter, setupDevice } from "../src/node/device.ts";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const kind: DeviceKind = checkDeviceKind(arg("device", "webgpu"), "--device");
const batch = Number(arg("batch", "128"));
const steps = Number(arg("steps", "10"));
const reps = Number(arg("reps", "3"));
const only = arg("only", "mlp_step,cnn_step,resnet_step,curvature,curvature_hvp").split(",");
const json = process.argv.includes("--json");

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const log = (s: string) => json || process.stderr.write(s + "\n");

const choice = await setupDevice(kind);
const cpuAdapter = choice.adapter ? isCpuAdapter(choice.adapter) : null;
log(`device ${choice.device}${choice.adapter ? ` on ${describeAdapter(choice.adapter)}` : ""}${choice.reason ? ` (${choice.reason})` : ""}`);

const rows: Record<string, unknown>[] = [];
const steppers = [
  ["mlp_step", MLP_STEP, batch, undefined],
  ["cnn_step", CNN_STEP, batch, undefined],
  ["resnet_step", RESNET_STEP, RESNET_BATCH, CALO_INFO],
] as const;
for (const [name, cfg, b, info] of steppers) {
  if (!only.includes(name)) continue;
  const t0 = performance.now();
  const { rates } = await stepRateDetail(cfg, b, steps, reps, 3, info);
  rows.push({ workload: name, unit: "samples/s", batch: b, median: median(rates), runs: rates, seconds: (performance.now() - t0) / 1000 });
  log(`${name}: ${median(rates).toFixed(1)} samples/s at batch ${b} (runs ${rates.map((r) => r.toFixed(1)).join(", ")})`);
}
for (const name of ["curvature", "curvature_hvp"]) {
  if (!only.includes(name)) continue;
  const c = await curvatureEstimate(reps, name === "curvature");
  const ms = median(c.ms);
  rows.push({ workload: name, unit: "ms", median: ms, runs: c.ms, grad_ms: median(c.grad_ms), grad_equivalents: ms / median(c.grad_ms), matvecs: c.matvecs, lambda_niw: c.lambda_niw, data: c.data });
  log(`${name} (lambda_niw estimate): ${ms.toFixed(0)} ms = ${(ms / median(c.grad_ms)).toFixed(1)} gradient-equivalents (${c.matvecs.join(",")} matvecs; lambda_niw ${c.lambda_niw.toPrecision(4)})`);
}

const out = { device: choice.device, requested: kind, adapter: choice.adapter ?? null, cpu_adapter: cpuAdapter, correctness_only: cpuAdapter === true, node: process.version, date: new Date().toISOString(), rows };
process.stdout.write(JSON.stringify(out, null, json ? 2 : 0) + "\n");
