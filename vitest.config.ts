import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Generous: these are correctness tests (timings live in bench/); on a loaded 2-core machine
    // the compare smoke test and the residual-net curvature test ran past 120 s (2026-12-02).
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // jax-js compiles Wasm kernels per process; forks keep each test file isolated.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
