#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx's ESM loader, so the package needs no build step.
import { availableParallelism } from "node:os";
import { register } from "tsx/esm/api";
register();
// jax-js builds its Wasm backend when it is first imported, so its worker-thread pool must be
// switched on before that (src/node/threads.ts). Default: one Wasm thread per core: training
// steps ran 1.3-1.9x faster on 2 cores at batch 128 (the MLP's unchanged at batch 64), with
// bit-identical results (bench/README.md). NINR_THREADS=N sets the pool size; NINR_THREADS=0 keeps jax-js on the main
// thread. Sweep workers are separate processes (one per core) and stay single-threaded.
const raw = process.env.NINR_THREADS;
const n = raw === undefined || raw === "" ? (availableParallelism() >= 2 ? availableParallelism() : 0) : Number(raw);
if (!Number.isInteger(n) || n < 0) {
  process.stderr.write(`ninr: NINR_THREADS must be a whole number of threads (0 = off), got '${raw}'\n`);
  process.exit(2);
}
if (n >= 1) {
  const { enableWasmThreads } = await import("../src/node/threads.ts");
  enableWasmThreads(n);
}
await import("../src/node/cli/main.ts");
