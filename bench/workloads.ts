/**
 * Benchmark workloads for `ninr bench` / `npm run bench`. Each workload runs ours and, when
 * Debian's python3-torch is present, the PyTorch script bench/reference.py on the same shapes,
 * alternating rounds (ours, reference, ours, ...) so both see the same machine state, and reports
 * medians and ratio = ours / reference (higher is better for rates; for times it is inverted).
 *
 *   W1 mlp_step   MLP 784-512-512-512-10 train step, batch 128            samples/s
 *   W2 cnn_step   spec CNN train step, batch 128                          samples/s
 *   W3 hvp        one exact Hessian-vector product, MLP 784-512-512-10 in-NINR, batch 512   ms
 *                 (ratio = reference ms / ours ms, so higher is better here too)
 *   W4 nin_overhead  W1 with an input NIN vs W1 without (reference = ours without NINs)
 */
import { numpy as np, random } from "@jax-js/jax";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { resolveConfig, type RunConfig } from "../src/config.ts";
import { initNetwork } from "../src/models/network.ts";
import { makeStepFns } from "../src/train/step.ts";
import { makeHvpFns, noisyLoss, type NoisyBatch } from "../src/engine/hvp.ts";
import { noiseModelFor } from "../src/dynamics/curvature.ts";
import { tree } from "@jax-js/jax";

export type WorkloadResult = { name: string; ninr: number; reference: number | null; unit: string; ratio: number | null; reference_kind: string; ninr_runs: number[]; reference_runs: number[] };

const REFERENCE_SCRIPT = fileURLToPath(new URL("./reference.py", import.meta.url));
const PYTHON = "/usr/bin/python3";

export function torchAvailable(): boolean {
  return spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" }).status === 0;
}

export const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Our jitted train step: `reps` timings of `steps` steps each after `warm` warm-up steps (compile,
 * V8 tier-up). A timing ends when every output (params, optimizer state) is ready, so a threaded
 * backend cannot hide work. Returns samples/s and CPU-seconds per wall-second (cores in use).
 */
export async function stepRateDetail(cfg: RunConfig, batch: number, steps: number, reps: number, warm = 3): Promise<{ rates: number[]; cores: number[] }> {
  const fns = makeStepFns(cfg);
  let params = initNetwork(random.key(0), cfg);
  let opt = fns.init(params);
  const x = random.uniform(random.key(1), [batch, 784]);
  const y = np.zeros([batch, 10]).add(0.1);
  const keys = random.split(random.key(2), 1000);
  let k = 0;
  const run = async (n: number) => {
    let last: np.Array | null = null;
    for (let s = 0; s < n; s++) {
      const [p, o, loss, correct] = fns.trainStep(params, opt, x.ref, y.ref, keys.ref.slice(k++ % 1000));
      params = p;
      opt = o;
      correct.dispose();
      last?.dispose();
      last = loss;
    }
    await last!.data();
    await Promise.all([...tree.leaves(params), ...tree.leaves(opt)].map((a) => (a as np.Array).blockUntilReady()));
  };
  await run(warm);
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
  tree.dispose(opt);
  keys.dispose();
  return { rates, cores };
}

/** Samples/s of our jitted train step (see stepRateDetail). */
export async function ourStepRate(cfg: RunConfig, batch: number, steps: number, reps: number): Promise<number[]> {
  return (await stepRateDetail(cfg, batch, steps, reps)).rates;
}

/** Milliseconds of one jitted exact HVP (reverse-over-forward), `reps` timings after warm-up. */
export async function ourHvpMs(cfg: RunConfig, batch: number, reps: number): Promise<number[]> {
  const model = noiseModelFor(cfg);
  const fns = makeHvpFns<NoisyBatch>(noisyLoss(model));
  const params = initNetwork(random.key(0), cfg);
  const b: NoisyBatch = { x: random.uniform(random.key(1), [batch, 784]), y: np.zeros([batch, 10]).add(0.1), eps: [random.normal(random.key(2), [batch]).mul(cfg.sigma)] };
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

function referenceRuns(workload: string, reps: number, threads: number): number[] {
  const r = spawnSync(PYTHON, [REFERENCE_SCRIPT, workload, String(reps), String(threads)], { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`reference ${workload} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!).values;
}

export type BenchOptions = { rounds: number; threads: number; only?: string[]; log?: (line: string) => void };

export async function runWorkloads(opts: BenchOptions): Promise<WorkloadResult[]> {
  const torch = torchAvailable();
  const log = opts.log ?? (() => {});
  const want = (name: string) => !opts.only || opts.only.includes(name);
  const results: WorkloadResult[] = [];
  const mlp = resolveConfig({ widths: [784, 512, 512, 512, 10], nin: "none" });
  const mlpNin = resolveConfig({ widths: [784, 512, 512, 512, 10], nin: "input", sigma: 1 });
  const cnn = resolveConfig({ model: "cnn", nin: "none" });

  const pair = async (name: string, ours: () => Promise<number[]>, ref: (() => Promise<number[]> | number[]) | null, refKind: string, unit: string) => {
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      a.push(...(await ours()));
      if (ref) b.push(...(await ref()));
      log(`${name}: round ${r + 1}/${opts.rounds}`);
    }
    const ninr = median(a);
    const reference = b.length ? median(b) : null;
    results.push({ name, ninr, reference, unit, ratio: reference ? ninr / reference : null, reference_kind: refKind, ninr_runs: a, reference_runs: b });
  };

  if (want("mlp_step")) await pair("mlp_step", () => ourStepRate(mlp, 128, 10, 3), torch ? () => referenceRuns("mlp_step", 3, opts.threads) : null, "pytorch", "samples/s");
  if (want("cnn_step")) await pair("cnn_step", () => ourStepRate(cnn, 128, 2, 2), torch ? () => referenceRuns("cnn_step", 2, opts.threads) : null, "pytorch", "samples/s");
  if (want("hvp")) {
    await pair("hvp", () => ourHvpMs(resolveConfig({ nin: "input", sigma: 10 }), 512, 3), torch ? () => referenceRuns("hvp", 3, opts.threads) : null, "pytorch", "ms");
    const w3 = results[results.length - 1];
    if (w3.reference) w3.ratio = w3.reference / w3.ninr; // times: lower is better, so invert
  }
  // W4's reference is ours without NINs, alternated round by round like the others.
  if (want("nin_overhead")) await pair("nin_overhead", () => ourStepRate(mlpNin, 128, 10, 3), () => ourStepRate(mlp, 128, 10, 3), "ninr without NINs", "samples/s");
  return results;
}
