/**
 * One benchmark workload, ours, in a process of its own (src/node/bench/workloads.ts spawns it):
 *
 *   node --import tsx src/node/bench/child.ts WORKLOAD REPS THREADS
 *     -> last stdout line: {"workload","values":[...],"unit","threads","maxrss_mb","cores":[...],...}
 *
 * THREADS > 1 runs jax-js's Wasm kernels on that many worker threads (src/node/threads.ts),
 * which must be switched on before jax-js loads: hence a process per measurement, and the
 * dynamic import below. For `sweep`, THREADS is the number of worker processes instead.
 * Same protocol as src/node/bench/reference.py (PyTorch) and bench/tfjs.ts (TensorFlow.js, run by
 * `npm run bench` only).
 */
import { enableWasmThreads, verifyWasmThreads } from "../threads.ts";

const [workload, repsArg, threadsArg] = process.argv.slice(2);
const reps = Number(repsArg ?? 3);
const threads = Number(threadsArg ?? 1);
if (!workload || !Number.isInteger(reps) || reps < 1 || !Number.isInteger(threads) || threads < 1) {
  process.stderr.write("usage: src/node/bench/child.ts WORKLOAD REPS THREADS\n");
  process.exit(2);
}
const pool = workload !== "sweep" && threads > 1;
if (pool) enableWasmThreads(threads);
const ours = await import("./ours.ts");
if (pool && (await verifyWasmThreads()).workersStarted === 0) throw new Error("bench: Wasm worker threads did not start");

let result: Record<string, unknown>;
switch (workload) {
  case "mlp_step": {
    const r = await ours.stepRateDetail(ours.MLP_STEP, 128, 10, reps);
    result = { values: r.rates, unit: "samples/s", cores: r.cores };
    break;
  }
  case "cnn_step": {
    const r = await ours.stepRateDetail(ours.CNN_STEP, 128, 2, reps, 2);
    result = { values: r.rates, unit: "samples/s", cores: r.cores };
    break;
  }
  case "resnet_step": {
    const r = await ours.stepRateDetail(ours.RESNET_STEP, ours.RESNET_BATCH, 2, reps, 2, ours.CALO_INFO);
    result = { values: r.rates, unit: "samples/s", cores: r.cores };
    break;
  }
  case "calo_generator": {
    const r = ours.caloGeneratorRate(2000, reps);
    result = { values: r.rates, unit: "images/CPU-s", wall_rates: r.wall_rates };
    break;
  }
  case "nin_overhead": {
    // With and without the input NIN alternately in one process (which goes first alternates
    // too), 2 x reps timings each: the ratio is the overhead, free of process-to-process variation.
    const withNin: number[] = [];
    const without: number[] = [];
    for (let r = 0; r < 2 * reps; r++) {
      const pair = [ours.MLP_STEP, ours.MLP_STEP_NIN];
      for (const cfg of r % 2 ? pair.reverse() : pair) (cfg === ours.MLP_STEP ? without : withNin).push(...(await ours.stepRateDetail(cfg, 128, 10, 1)).rates);
    }
    result = { values: withNin, without, unit: "samples/s" };
    break;
  }
  case "hvp":
    result = { values: await ours.hvpMs(512, reps), unit: "ms" };
    break;
  case "curvature":
  case "curvature_hvp": {
    const r = await ours.curvatureEstimate(reps, workload === "curvature");
    result = { values: r.ms, unit: "ms", grad_ms: r.grad_ms, matvecs: r.matvecs, lambda_niw: r.lambda_niw, data: r.data };
    break;
  }
  case "sweep": {
    const runs = [];
    for (let r = 0; r < reps; r++) runs.push(await ours.sweepRun(threads));
    result = { values: runs.map((r) => r.jobs_per_min), unit: "jobs/min", cores_busy: runs.map((r) => r.cores_busy), machine_busy: runs.map((r) => r.machine_busy), failed: runs.reduce((s, r) => s + r.failed, 0), jobs: ours.SWEEP_SIGMAS.length };
    break;
  }
  default:
    process.stderr.write(`src/node/bench/child.ts: unknown workload '${workload}'\n`);
    process.exit(2);
}
const maxrss_mb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ workload, threads, ...result, maxrss_mb }) + "\n");
// Worker threads are unref'd when idle; exit explicitly all the same, so a stray handle cannot hang the bench.
process.exit(0);
