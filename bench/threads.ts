/**
 * Wasm worker-pool benchmark: samples/s of the jitted train step (W1 MLP 784-512-512-512-10 and
 * W2 spec CNN, batch 128) with jax-js single-threaded ("off") vs `enableWasmThreads(n)`.
 *
 *   npx tsx bench/threads.ts [--rounds 5] [--modes off,1,2] [--only mlp,cnn]
 *
 * Threads can only be enabled before jax-js loads, so every measurement is a child process
 * (this file again, with NINR_THREADS_BENCH_MODE set). Rounds run the modes alternately, in a
 * rotated order per round, so all modes see the same machine state; the report gives every run,
 * per-mode medians, the ratio of each mode's median to the "off" median, and "cpu/wall", the
 * CPU seconds of all the child's threads per wall second (how many cores it kept busy). Machine load
 * (`os.loadavg()`) is printed before and after, as other jobs share the cores.
 */
import { spawnSync } from "node:child_process";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { enableWasmThreads, wasmThreadsInfo } from "../src/engine/threads.ts";

const MODE_ENV = "NINR_THREADS_BENCH_MODE";
const mode = process.env[MODE_ENV];

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function child(mode: string, only: string[]) {
  if (mode !== "off") enableWasmThreads(Number(mode));
  // jax-js and everything using it load only now, after the pool is set up.
  const { resolveConfig } = await import("../src/config.ts");
  const { stepRateDetail } = await import("./ours.ts");
  const stepRate = (cfg: ReturnType<typeof resolveConfig>, batch: number, steps: number, reps: number, warm: number) => stepRateDetail(cfg, batch, steps, reps, warm);

  const result: Record<string, unknown> = { mode };
  if (only.includes("mlp")) result.mlp = await stepRate(resolveConfig({ widths: [784, 512, 512, 512, 10], nin: "none" }), 128, 20, 3, 10);
  if (only.includes("cnn")) result.cnn = await stepRate(resolveConfig({ model: "cnn", nin: "none" }), 128, 2, 3, 2);
  result.workers = wasmThreadsInfo().workersStarted;
  console.log(JSON.stringify(result));
}

function arg(name: string, dflt: string) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}

async function parent() {
  const rounds = Number(arg("rounds", "5"));
  const modes = arg("modes", "off,1,2").split(",");
  const only = arg("only", "mlp,cnn").split(",");
  const self = fileURLToPath(import.meta.url);
  const load = () => os.loadavg().map((v) => v.toFixed(2)).join(" ");
  console.log(`cores ${os.availableParallelism()}, load before ${load()}, rounds ${rounds}, modes ${modes.join(",")}`);
  const runs: Record<string, Record<string, number[]>> = {};
  const cores: Record<string, Record<string, number[]>> = {};
  for (const w of only) runs[w] = Object.fromEntries(modes.map((m) => [m, []]));
  for (const w of only) cores[w] = Object.fromEntries(modes.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    const order = modes.map((_, i) => modes[(i + r) % modes.length]);
    for (const m of order) {
      const t0 = performance.now();
      const res = spawnSync(process.execPath, ["--import", "tsx", self, "--only", only.join(",")], {
        env: { ...process.env, [MODE_ENV]: m },
        encoding: "utf8",
        timeout: 600_000,
      });
      const wall = (performance.now() - t0) / 1000;
      if (res.status !== 0) throw new Error(`child mode ${m} failed (status ${res.status}, signal ${res.signal}): ${res.stderr}`);
      const j = JSON.parse(res.stdout.trim().split("\n").pop()!);
      for (const w of only) runs[w][m].push(...j[w].rates);
      for (const w of only) cores[w][m].push(...j[w].cores);
      console.log(`round ${r + 1} mode ${m}: ${only.map((w) => `${w} ${j[w].rates.map((v: number) => v.toFixed(0)).join("/")} (cpu ${median(j[w].cores).toFixed(2)})`).join("  ")}  workers ${j.workers}  child wall ${wall.toFixed(1)} s  load ${load()}`);
    }
  }
  console.log(`load after ${load()}`);
  for (const w of only) {
    const base = runs[w].off ? median(runs[w].off) : null;
    for (const m of modes) {
      const med = median(runs[w][m]);
      console.log(`${w.padEnd(4)} ${m.padEnd(4)} median ${med.toFixed(0).padStart(6)} samples/s  (n=${runs[w][m].length}, min ${Math.min(...runs[w][m]).toFixed(0)}, max ${Math.max(...runs[w][m]).toFixed(0)}, cpu/wall ${median(cores[w][m]).toFixed(2)})${base ? `  ratio vs off ${(med / base).toFixed(3)}` : ""}`);
    }
  }
}

if (mode) await child(mode, arg("only", "mlp,cnn").split(","));
else await parent();
