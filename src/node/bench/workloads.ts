/**
 * Benchmark workloads for `ninr bench` (and `npm run bench`, which adds TensorFlow.js). Each
 * measurement is a fresh process: ours is src/node/bench/child.ts (so worker threads can be
 * switched on before jax-js loads, and each workload's peak RSS is its own), the PyTorch
 * reference is src/node/bench/reference.py on Debian's python3-torch, and a TensorFlow.js side,
 * where the caller passes one (`BenchOptions.tfjs`: bench/run.ts runs bench/tfjs.ts; this shipped
 * code knows nothing of TF.js's packages). Rounds alternate (ours, reference, tfjs, ours, ...) so
 * all see the same machine state; the report gives medians and ratio = ours / reference with
 * "higher is better" (rates as they are, times inverted).
 *
 *   W1 mlp_step          MLP 784-512-512-512-10 train step, batch 128, one core      samples/s
 *   W1 mlp_step_2cores   the same, ours on 2 Wasm worker threads (ref: 1 thread)     samples/s
 *   W2 cnn_step          CNN train step (docs/method.md §4), batch 128, one core                    samples/s
 *   W2 cnn_step_2cores   the same, ours on 2 threads (ref: 1 thread)                 samples/s
 *   W3 hvp               one exact HVP, MLP 784-512-512-10 in-NINR, batch 512        ms
 *   W3 curvature         one lambda_niw estimate (Lanczos on the NIW block), batch 256  ms
 *                        (+ grad_equivalents: the estimate / one gradient, same batch, same run;
 *                        ours from the stored per-sample NIW Jacobian, as on every piecewise-linear
 *                        model; the reference by double-backward HVPs, and reference_jacobian_ms:
 *                        PyTorch by our Jacobian method, the same algorithm on both sides)
 *   W3 curvature_hvp     the same estimate from our HVPs (the generic path, e.g. the ResNet)  ms
 *   W4 nin_overhead      W1 with an input NIN / W1 without, alternating in one process  samples/s
 *   W5 sweep             4-sigma phase sweep through the sweep executor, 2 workers vs 1  jobs/min
 *                        (+ cores_busy: the sweep's processes' CPU-seconds per wall-second;
 *                        machine_busy: the whole machine's, which includes anything else running)
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median } from "../../stats.ts";

export type WorkloadResult = {
  name: string;
  /** Our median (unit below). */
  ninr: number;
  /** The reference's median, or null when it is not available. */
  reference: number | null;
  unit: string;
  /** ours / reference, higher is better (times inverted); null without a reference. */
  ratio: number | null;
  reference_kind: string;
  /**
   * TensorFlow.js (wasm backend) median and ratio, where the TF.js side can run the workload
   * (null: it cannot). Absent when no TF.js side was given (`ninr bench`).
   */
  tfjs?: number | null;
  ratio_tfjs?: number | null;
  threads: number;
  ninr_runs: number[];
  reference_runs: number[];
  tfjs_runs?: number[];
  /** Largest peak RSS (MB) of our processes / the reference's over the rounds. */
  ninr_peak_rss_mb: number;
  reference_peak_rss_mb: number | null;
  /** Workload-specific numbers (grad_equivalents, cores_busy, overhead_pct, ...). */
  extra: Record<string, unknown>;
};

const HERE = fileURLToPath(new URL(".", import.meta.url));
const PYTHON = "/usr/bin/python3";
/**
 * tsx's loader, resolved from this package rather than the cwd (as the sweep executor does), so
 * the children start wherever ninr is installed.
 */
const TSX_IMPORT = ["--import", pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/loader.mjs")).href];

export const WORKLOAD_NAMES = ["mlp_step", "mlp_step_2cores", "cnn_step", "cnn_step_2cores", "resnet_step", "resnet_step_2cores", "hvp", "curvature", "curvature_hvp", "nin_overhead", "calo_generator", "sweep"] as const;

export function torchAvailable(): boolean {
  return spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
}

/** What every side's process prints as its last stdout line. */
export type Measured = { values: number[]; maxrss_mb?: number; [k: string]: unknown };

/**
 * Run a command in `cwd`, return its last stdout line as JSON (async, so the event loop stays
 * free). The protocol of every side: child.ts, reference.py, bench/tfjs.ts.
 */
export function runJson(cmd: string, args: string[], what: string, cwd = HERE, env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`bench: ${what} failed (exit ${code}): ${err.trim().split("\n").slice(-5).join(" | ")}`));
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`bench: ${what} printed no JSON result: ${last.slice(0, 200)}`));
      }
    });
  });
}

const ours = (workload: string, reps: number, threads: number) => runJson(process.execPath, [...TSX_IMPORT, "child.ts", workload, String(reps), String(threads)], `ours ${workload}`);
/**
 * The reference's environment. On a VM whose CPU reports a generic model name, OpenBLAS 0.3.21
 * does not recognise the core and falls back to its Prescott (SSE3) kernels: measured here
 * (2026-12-07) PyTorch's W1 ran 6,489 instead of 11,656 samples/s, which doubled every ratio.
 * Where the CPU has AVX2 and FMA (all Haswell kernels need) and the user set no core type, the
 * reference gets OPENBLAS_CORETYPE=Haswell; `openblas_core` in the report says what it used.
 */
export function referenceEnv(env: NodeJS.ProcessEnv = process.env, cpuinfo = readCpuinfo()): NodeJS.ProcessEnv {
  if (env.OPENBLAS_CORETYPE) return env;
  const flags = new Set((/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? "").trim().split(/\s+/));
  return flags.has("avx2") && flags.has("fma") ? { ...env, OPENBLAS_CORETYPE: "Haswell" } : env;
}

function readCpuinfo(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return ""; // not Linux: OpenBLAS's own detection stands
  }
}

const torchRef = (workload: string, reps: number, threads: number, extra: string[] = []) =>
  runJson(PYTHON, ["reference.py", workload, String(reps), String(threads), ...extra], `PyTorch ${workload}`, HERE, referenceEnv());

export type BenchOptions = {
  rounds: number;
  /** PyTorch threads for the reference (the targets are against 1). */
  threads: number;
  /** Wasm worker threads for the *_2cores workloads and sweep workers for W5 (default: cores). */
  cores?: number;
  only?: string[];
  log?: (line: string) => void;
  /**
   * The TensorFlow.js side, one measurement (a process) of `workload` with `reps` timings; given
   * by `npm run bench` (bench/run.ts). Omitted: no TF.js measurements, and no tfjs fields.
   */
  tfjs?: (workload: string, reps: number) => Promise<Measured>;
};

export async function runWorkloads(opts: BenchOptions): Promise<{ workloads: WorkloadResult[]; reference_info: Record<string, unknown> | null }> {
  const torch = torchAvailable();
  const tfjs = opts.tfjs;
  const cores = opts.cores ?? Math.max(2, availableParallelism());
  const log = opts.log ?? (() => {});
  const want = (name: string) => !opts.only || opts.only.includes(name);
  const results: WorkloadResult[] = [];
  let referenceInfo: Record<string, unknown> | null = null;

  type Side = (() => Promise<Measured>) | null;
  const pair = async (name: string, threads: number, unit: string, a: () => Promise<Measured>, b: Side, refKind: string, t: Side, lowerIsBetter = false) => {
    const A: Measured[] = [];
    const B: Measured[] = [];
    const T: Measured[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      A.push(await a());
      if (b) B.push(await b());
      if (t) T.push(await t());
      log(`${name}: round ${r + 1}/${opts.rounds}: ours ${fmt(median(A[r].values))}${b ? `, reference ${fmt(median(B[r].values))}` : ""}${t ? `, tfjs ${fmt(median(T[r].values))}` : ""} ${unit}`);
    }
    const flat = (m: Measured[]) => m.flatMap((x) => x.values);
    const ninr = median(flat(A));
    const reference = B.length ? median(flat(B)) : null;
    const tf = T.length && flat(T).length ? median(flat(T)) : null;
    const ratio = (x: number | null) => (x === null ? null : lowerIsBetter ? x / ninr : ninr / x);
    if (refKind.startsWith("PyTorch") && B.length) referenceInfo ??= Object.fromEntries(Object.entries(B[0]).filter(([k]) => ["torch", "blas", "openblas_core"].includes(k)));
    const res: WorkloadResult = {
      name,
      ninr,
      reference,
      unit,
      ratio: ratio(reference),
      reference_kind: refKind,
      ...(tfjs ? { tfjs: tf, ratio_tfjs: ratio(tf) } : {}),
      threads,
      ninr_runs: flat(A),
      reference_runs: flat(B),
      ...(tfjs ? { tfjs_runs: flat(T) } : {}),
      ninr_peak_rss_mb: Math.max(...A.map((m) => m.maxrss_mb ?? 0)),
      reference_peak_rss_mb: B.length ? Math.max(...B.map((m) => m.maxrss_mb ?? 0)) : null,
      extra: T.find((m) => m.unsupported) ? { tfjs_unsupported: T.find((m) => m.unsupported)!.unsupported } : {},
    };
    results.push(res);
    return { res, A, B };
  };
  const torchSide = (w: string, reps: number, extra?: string[]): Side => (torch ? () => torchRef(w, reps, opts.threads, extra) : null);
  const tfjsSide = (w: string, reps: number): Side => (tfjs ? () => tfjs(w, reps) : null);
  const pytorch = `PyTorch, ${opts.threads} thread${opts.threads > 1 ? "s" : ""}`;

  const stepRow = async (name: string, workload: string, reps: number, threads: number) => {
    const { res, A } = await pair(name, threads, "samples/s", () => ours(workload, reps, threads), torchSide(workload, reps), pytorch, tfjsSide(workload, reps));
    res.extra = { ...res.extra, cores_used: median(A.flatMap((m) => m.cores as number[])) };
  };
  if (want("mlp_step")) await stepRow("mlp_step", "mlp_step", 3, 1);
  if (want("mlp_step_2cores")) await stepRow("mlp_step_2cores", "mlp_step", 3, cores);
  if (want("cnn_step")) await stepRow("cnn_step", "cnn_step", 2, 1);
  if (want("cnn_step_2cores")) await stepRow("cnn_step_2cores", "cnn_step", 2, cores);
  if (want("resnet_step")) await stepRow("resnet_step", "resnet_step", 2, 1);
  if (want("resnet_step_2cores")) await stepRow("resnet_step_2cores", "resnet_step", 2, cores);
  if (want("hvp")) await pair("hvp", 1, "ms", () => ours("hvp", 3, 1), torchSide("hvp", 3), pytorch, tfjsSide("hvp", 2), true);
  for (const row of ["curvature", "curvature_hvp"]) {
    if (!want(row)) continue;
    // The reference runs as many Lanczos steps as ours took (median), so both do the same work.
    let steps = 11;
    const { res, A, B } = await pair(
      row,
      1,
      "ms",
      async () => {
        const m = await ours(row, 3, 1);
        steps = Math.round(median(m.matvecs as number[]));
        return m;
      },
      torch ? () => torchRef("curvature", 3, opts.threads, [String(steps)]) : null,
      pytorch,
      null,
      true,
    );
    const gradMs = median(A.flatMap((m) => m.grad_ms as number[]));
    res.extra = {
      ...res.extra,
      grad_equivalents: res.ninr / gradMs,
      grad_ms: gradMs,
      matvecs: median(A.flatMap((m) => m.matvecs as number[])),
      reference_grad_equivalents: B.length ? (res.reference ?? 0) / median(B.map((m) => m.grad_ms as number)) : null,
      reference_jacobian_ms: B.length && B[0].jacobian_ms ? median(B.flatMap((m) => m.jacobian_ms as number[])) : null,
    };
  }
  if (want("nin_overhead")) {
    const { res, A } = await pair("nin_overhead", 1, "samples/s", () => ours("nin_overhead", 3, 1), null, "ours without NINs, same process", null);
    const without = median(A.flatMap((m) => m.without as number[]));
    res.reference = without;
    res.reference_runs = A.flatMap((m) => m.without as number[]);
    res.ratio = res.ninr / without;
    res.extra = { overhead_pct: (without / res.ninr - 1) * 100 };
  }
  if (want("calo_generator")) {
    // Ours only: the generator is this toolkit's own (no reference implements it).
    const { res, A } = await pair("calo_generator", 1, "images/CPU-s", () => ours("calo_generator", 3, 1), null, "none (our generator)", null);
    res.extra = { wall_images_per_s: median(A.flatMap((m) => m.wall_rates as number[])) };
  }
  if (want("sweep")) {
    const { res, A, B } = await pair("sweep", cores, "jobs/min", () => ours("sweep", 1, cores), () => ours("sweep", 1, 1), "ours with 1 worker", null);
    res.extra = {
      cores_busy: median(A.flatMap((m) => m.cores_busy as number[])),
      machine_busy: median(A.flatMap((m) => m.machine_busy as number[])),
      reference_cores_busy: median(B.flatMap((m) => m.cores_busy as number[])),
      failed_jobs: [...A, ...B].reduce((s, m) => s + (m.failed as number), 0),
      jobs: A[0].jobs,
    };
  }
  return { workloads: results, reference_info: referenceInfo };
}

function fmt(v: number): string {
  return v.toFixed(v < 10 ? 3 : v < 1000 ? 1 : 0);
}
