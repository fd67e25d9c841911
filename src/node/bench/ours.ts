/**
 * Our side of each benchmark workload (src/node/bench/workloads.ts lists them). These run inside a
 * bench child process (src/node/bench/child.ts), one workload per process, so that worker threads can be
 * switched on before jax-js loads and the peak RSS of each workload is its own.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { numpy as np, random, tree } from "@jax-js/jax";
import { resolveConfig, type RunConfig } from "../../config.ts";
import { caloConfig } from "../../data/calo/config.ts";
import { generateCalo } from "../../data/calo/generate.ts";
import { type DataInfo, deviceBatch, range } from "../../data/dataset.ts";
import { IMAGE_SIDE, NUM_CLASSES } from "../../data/fashion.ts";
import { curvatureModelFor, makeCurvatureMeter } from "../../dynamics/curvature.ts";
import { makeHvpFns, noisyLoss, type NoisyBatch } from "../../dynamics/hvp.ts";
import { PHASES_PRESETS, type PhasesPreset, phaseJobs } from "../../experiments/phases.ts";
import { fitSize } from "../../train/prepare.ts";
import { makeStepFns } from "../../train/step.ts";
import { loadDataset } from "../data/fashionFiles.ts";
import { LocalExecutor } from "../executors/local.ts";

/**
 * The data the step and HVP workloads are shaped for: Fashion-MNIST's (28x28x1 images fed flat as
 * [B, 784], 10 classes, pixels in [0, 1]); their inputs are random, not images.
 */
export const FASHION_INFO: DataInfo = { inputShape: [IMAGE_SIDE, IMAGE_SIDE, 1], classes: NUM_CLASSES, range: [0, 1] };

/** The shapes of the workloads (src/node/bench/reference.py mirrors them). */
export const MLP_STEP = resolveConfig({ widths: [784, 512, 512, 512, 10], nin: "none" });
export const MLP_STEP_NIN = resolveConfig({ widths: [784, 512, 512, 512, 10], nin: "input", sigma: 1 });
export const CNN_STEP = resolveConfig({ model: "cnn", nin: "none" });
/**
 * The detector's network (docs/method.md §6.2): ResNet-18, base width 16 (the detector's full
 * preset; 64 is the standard width, about 16x the FLOPs), no NINs, on calorimeter-shaped inputs
 * (16x16 cells x 6 channels, 2 classes), batch 64. Random inputs, like the other step workloads.
 */
export const RESNET_STEP = resolveConfig({ model: "resnet18", width: 16, nin: "none" });
export const CALO_INFO: DataInfo = { inputShape: [16, 16, 6], classes: 2, range: [0, 1] };
export const RESNET_BATCH = 64;

/** W3: the default MLP 784-512-512-10, in-NINR, sigma 10; one batch of 256. */
export const CURVATURE_CFG = resolveConfig({ nin: "input", sigma: 10 });
export const CURVATURE_BATCH = 256;

/** Minimum warm-up time before timing a train step (see stepRateDetail). */
const WARM_MS = 2000;


/**
 * Our jitted train step: `reps` timings of `steps` steps each, after a warm-up of at least `warm`
 * steps and WARM_MS of rounds in the timed pattern (compilation, V8's tier-up of the kernels and
 * of jax-js's dispatch code). Measured on W1: with 3 warm-up steps the first three 10-step
 * timings ran at 2,900, 3,400 and 3,700 samples/s, then flat at ~3,800; after this warm-up
 * they are flat from the first. A long training run is in that steady state, so we time it. A timing ends when every output
 * (params, optimizer state) is ready, so a threaded backend cannot hide work. Returns samples/s
 * and CPU-seconds per wall-second (cores in use).
 */
export async function stepRateDetail(cfg: RunConfig, batch: number, steps: number, reps: number, warm = 3, info: DataInfo = FASHION_INFO): Promise<{ rates: number[]; cores: number[] }> {
  const fns = makeStepFns(cfg, info);
  let { params, state } = fns.net.init(random.key(0));
  let opt = fns.init(params);
  const x = random.uniform(random.key(1), [batch, info.inputShape.reduce((a, b) => a * b, 1)]);
  const y = np.zeros([batch, info.classes]).add(1 / info.classes);
  const keys = random.split(random.key(2), 1000);
  let k = 0;
  const run = async (n: number) => {
    let last: np.Array | null = null;
    for (let s = 0; s < n; s++) {
      const [p, st, o, loss, correct] = fns.trainStep(params, state, opt, x.ref, y.ref, keys.ref.slice(k++ % 1000));
      params = p;
      state = st;
      opt = o;
      correct.dispose();
      last?.dispose();
      last = loss;
    }
    await last!.data();
    await Promise.all([...tree.leaves(params), ...tree.leaves(state), ...tree.leaves(opt)].map((a) => (a as np.Array).blockUntilReady()));
  };
  const w0 = performance.now();
  await run(warm);
  while (performance.now() - w0 < WARM_MS) await run(steps); // the timed pattern: `steps` dispatches, then the reads
  const rates: number[] = [];
  const cores: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await run(steps);
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    rates.push((batch * steps) / wall);
    cores.push((c.user + c.system) / 1e6 / wall);
  }
  fns.dispose();
  tree.dispose(params);
  tree.dispose(state);
  tree.dispose(opt);
  keys.dispose();
  x.dispose();
  y.dispose();
  return { rates, cores };
}

/** Milliseconds of one jitted exact HVP (reverse-over-forward, all parameters), after warm-up. */
export async function hvpMs(batch: number, reps: number): Promise<number[]> {
  const cfg = CURVATURE_CFG;
  const model = curvatureModelFor(cfg, FASHION_INFO);
  const fns = makeHvpFns<NoisyBatch>(noisyLoss(model));
  const { params, state } = model.net.init(random.key(0));
  const b: NoisyBatch = { x: random.uniform(random.key(1), [batch, 784]), y: np.zeros([batch, 10]).add(0.1), eps: [random.normal(random.key(2), [batch]).mul(cfg.sigma)], state };
  const v = tree.map((a: np.Array) => random.normal(random.key(3), a.shape), params) as typeof params;
  const once = async () => {
    const t0 = performance.now();
    const out = fns.hvp(tree.ref(params), tree.ref(b), tree.ref(v));
    for (const a of Object.values(out)) await (a as np.Array).data();
    return performance.now() - t0;
  };
  await once();
  const out: number[] = [];
  for (let r = 0; r < reps; r++) out.push(await once());
  fns.dispose();
  tree.dispose(params);
  tree.dispose(b);
  tree.dispose(v);
  return out;
}

/** W3 data: the first CURVATURE_BATCH training images (Fashion-MNIST, else the bundled sample). */
function curvatureBatch(): { x: np.Array; y: np.Array; source: string } {
  const ds = loadDataset({ allowSample: true });
  return { ...deviceBatch(ds, ds.train, range(0, CURVATURE_BATCH)), source: ds.source };
}

/**
 * W3: one estimate of lambda_niw (top eigenvalue of the NIW Hessian block) on one batch, with a
 * warm meter (compiled once, as k(t) tracking uses it), default Lanczos (tol 1e-3); with
 * `niwJacobian` false, from reverse-over-forward HVPs instead of the stored per-sample Jacobian
 * (the generic path every non-piecewise-linear model takes: src/dynamics/niwJacobian.ts). Returns ms
 * per estimate, the gradient's ms on the same batch, and the matvecs each estimate took.
 */
export async function curvatureEstimate(reps: number, niwJacobian = true): Promise<{ ms: number[]; grad_ms: number[]; matvecs: number[]; lambda_niw: number; data: string }> {
  const cfg = CURVATURE_CFG;
  const model = curvatureModelFor(cfg, FASHION_INFO);
  const { params, state } = model.net.init(random.key(0));
  const { x, y, source } = curvatureBatch();
  // Cold starts, as PyTorch's reference: the row compares the cost of the same Lanczos steps
  // (warm starts cut the steps of a k(t) trace instead: bench/curvatureRepeat.ts).
  const meter = makeCurvatureMeter(model, { which: { noise: false, hessian: false, niw: true }, batches: 1, warmStart: false, niwJacobian });
  await meter.measure(params, state, [{ x, y }], { seed: 100 }); // compile
  const ms: number[] = [];
  const grad_ms: number[] = [];
  const matvecs: number[] = [];
  let lambda = NaN;
  for (let r = 0; r < reps; r++) {
    const res = await meter.measure(params, state, [{ x, y }], { seed: r });
    ms.push(res.seconds * 1000);
    grad_ms.push(res.grad_ms!);
    matvecs.push(res.per_batch[0].matvecs.niw);
    lambda = res.lambda_niw!;
  }
  meter.dispose();
  tree.dispose(params);
  tree.dispose(state);
  x.dispose();
  y.dispose();
  return { ms, grad_ms, matvecs, lambda_niw: lambda, data: source };
}

/**
 * W5: a small sigma sweep end to end, through the real sweep executor (one worker process per
 * job, `workers` at a time): the smoke phase preset (small curvature budgets) on 4 sigmas x
 * 1,600 training images: 25 steps each, with the curvature measurements, k(t) and test-loss
 * traces of a real phase job. Short jobs on purpose: process start and compilation are part of
 * what a sweep pays per job.
 */
export const SWEEP_PRESET: PhasesPreset = { ...PHASES_PRESETS.smoke, name: "bench", trainSize: 1600, testSubset: 500 };
export const SWEEP_SIGMAS = [1, 10, 100, 1000];

/**
 * CPU seconds of this process's finished children (Linux /proc/self/stat cutime + cstime; the
 * sweep's workers are waited for, so they count). null where /proc is missing.
 */
function childrenCpuSeconds(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) / 100; // fields 16, 17; USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Busy CPU time (all cores, seconds) from os.cpus(): counts every process on the machine. */
function machineBusySeconds(): number {
  return os.cpus().reduce((s, c) => s + (c.times.user + c.times.nice + c.times.sys + c.times.irq) / 1000, 0);
}

export async function sweepRun(workers: number): Promise<{ jobs_per_min: number; seconds: number; cores_busy: number | null; machine_busy: number; failed: number }> {
  const ds = loadDataset({ allowSample: true });
  const jobs = phaseJobs(SWEEP_PRESET, ds, { fitSize: fitSize(ds), sigmas: SWEEP_SIGMAS });
  const out = mkdtempSync(join(os.tmpdir(), "ninr-bench-sweep-"));
  try {
    const b0 = machineBusySeconds();
    const c0 = childrenCpuSeconds();
    const t0 = performance.now();
    const outcomes = await new LocalExecutor({ outDir: out, workers, data: { allowSample: true } }).run(jobs);
    const seconds = (performance.now() - t0) / 1000;
    const busy = machineBusySeconds() - b0;
    const c1 = childrenCpuSeconds();
    return {
      jobs_per_min: (jobs.length / seconds) * 60,
      seconds,
      cores_busy: c0 !== null && c1 !== null ? (c1 - c0) / seconds : null,
      machine_busy: busy / seconds,
      failed: outcomes.filter((o) => o.status === "failed").length,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * The synthetic calorimeter's generator (src/data/calo/generate.ts), nominal domain, everything
 * on (showers, pile-up, noise): images per CPU-second of this process (on a busy machine the CPU
 * rate says what one core does; wall-clock beside it), `reps` batches of n after a JIT warm-up.
 */
export function caloGeneratorRate(n: number, reps: number): { rates: number[]; wall_rates: number[] } {
  generateCalo(caloConfig("nominal"), { n: 200, seed: 99 });
  const rates: number[] = [];
  const wall_rates: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    generateCalo(caloConfig("nominal"), { n, seed: r + 1 });
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    rates.push(n / ((c.user + c.system) / 1e6));
    wall_rates.push(n / wall);
  }
  return { rates, wall_rates };
}
