#!/usr/bin/env node
// Thin launcher: runs the TypeScript CLI through tsx's ESM loader, so the package needs no build step.
import { register } from "tsx/esm/api";
register();
// jax-js builds its Wasm backend when it is first imported, so multi-threading must be switched
// on before that: NINR_THREADS=N runs kernels on N worker threads (opt-in; see src/engine/threads.ts).
if (process.env.NINR_THREADS) {
  const n = Number(process.env.NINR_THREADS);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`ninr: NINR_THREADS must be a positive integer, got '${process.env.NINR_THREADS}'\n`);
    process.exit(2);
  }
  const { enableWasmThreads } = await import("../src/engine/threads.ts");
  enableWasmThreads(n);
}
await import("../src/cli/main.ts");
