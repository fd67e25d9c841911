import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Generous: these are correctness tests (timings live in bench/), and end-to-end runs on a
    // loaded 2-core machine took up to 2.2 minutes where an idle one needs 40 s.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // jax-js compiles Wasm kernels per process; forks keep each test file isolated.
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
