/**
 * enableWasmThreads: jax-js's Wasm worker pool over node:worker_threads. It must run before
 * jax-js loads, so every case is a fresh child process (node --import tsx --eval ...).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const url = (rel: string) => JSON.stringify(new URL(rel, import.meta.url).href);
const THREADS = url("../../src/node/threads.ts");

/** A few jitted MLP train steps (NINs, dropout, momentum, l2); prints losses + pool info. */
const STEPS_SCRIPT = `
const T = process.env.NINR_TEST_THREADS;
const th = await import(${THREADS});
if (T) th.enableWasmThreads(Number(T));
const { numpy: np, random } = await import("@jax-js/jax");
const { resolveConfig } = await import(${url("../../src/config.ts")});
const { buildNetwork } = await import(${url("../../src/models/network.ts")});
const { makeStepFns } = await import(${url("../../src/train/step.ts")});
const cfg = resolveConfig({ widths: [784, 96, 64, 10], nin: "all", sigma: 1, dropout: 0.2, l2: 1e-4, momentum: 0.9, lr: 0.1 });
const info = { inputShape: [28, 28, 1], classes: 10, range: [0, 1] };
const fns = makeStepFns(cfg, info);
let { params, state } = buildNetwork(cfg, info).init(random.key(0));
let opt = fns.init(params);
const B = 64;
const x = random.uniform(random.key(1), [B, 784]);
const oh = new Float32Array(B * 10);
for (let i = 0; i < B; i++) oh[i * 10 + ((i * 7) % 10)] = 1;
const y = np.array(oh).reshape([B, 10]);
const keys = random.split(random.key(2), 4);
const losses = [];
for (let s = 0; s < 4; s++) {
  const [p, st, o, loss, correct] = fns.trainStep(params, state, opt, x.ref, y.ref, keys.ref.slice(s));
  params = p; state = st; opt = o; correct.dispose();
  losses.push((await loss.data())[0]);
}
// A sync read right after an await is only safe once the pool is idle.
await th.wasmThreadsIdle();
const bias = params["layer2.bias"].ref.js();
console.log(JSON.stringify({ losses, bias, info: th.wasmThreadsInfo() }));
// No explicit exit: the process must end by itself with the worker threads still alive.
`;

/** enableWasmThreads after jax-js has loaded: verifyWasmThreads must notice and back out. */
const LATE_SCRIPT = `
const { numpy: np } = await import("@jax-js/jax");
const th = await import(${THREADS});
const before = (await np.arange(600).mul(2).data())[5];
th.enableWasmThreads(2);
const info = await th.verifyWasmThreads();
const after = (await np.arange(700).mul(3).data())[5];
console.log(JSON.stringify({ before, after, info, enabled: th.wasmThreadsEnabled() }));
`;

function runChild(script: string, threads?: number) {
  const env = { ...process.env };
  if (threads) env.NINR_TEST_THREADS = String(threads);
  else delete env.NINR_TEST_THREADS;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    env,
    encoding: "utf8",
    timeout: 15_000, // a process kept alive by its worker threads would hit this
  });
  expect(r.error, `spawn error / timeout; stderr:\n${r.stderr}`).toBeUndefined();
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe("enableWasmThreads", () => {
  it("jitted MLP train steps on 2 worker threads match single-threaded exactly, and the process exits", () => {
    const single = runChild(STEPS_SCRIPT);
    const pooled = runChild(STEPS_SCRIPT, 2);
    expect(single.info).toMatchObject({ enabled: false, workersStarted: 0 });
    expect(pooled.info).toMatchObject({ enabled: true, threads: 2, workersStarted: 2 });
    expect(single.losses).toHaveLength(4);
    for (const l of single.losses) expect(Number.isFinite(l)).toBe(true);
    expect(pooled.losses).toEqual(single.losses);
    expect(pooled.bias).toEqual(single.bias);
  }, 20_000);

  it("called after jax-js loaded: verifyWasmThreads removes the shim and jax-js keeps working", () => {
    const r = runChild(LATE_SCRIPT);
    expect(r.before).toBe(10);
    expect(r.after).toBe(15);
    expect(r.enabled).toBe(false);
    expect(r.info.disabledReason).toMatch(/after jax-js had been loaded/);
  }, 20_000);
});
