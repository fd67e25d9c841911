/**
 * `ninr bench` plumbing (not speed: results live in bench/README.md, not in timed tests): flag
 * errors (of `ninr bench` and of `npm run bench`'s bench/run.ts), the child-process protocol
 * that every measurement goes through (src/node/bench/child.ts), and that the shipped bench code
 * needs nothing from bench/ or the TensorFlow.js dev dependencies.
 */
import { spawn } from "node:child_process";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { ninr } from "../../helpers/cli.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CHILD = `${ROOT}src/node/bench/child.ts`;
const RUN = `${ROOT}bench/run.ts`;

/** `npm run bench` (bench/run.ts) with these flags. */
function devBench(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", RUN, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    p.on("error", reject);
    p.on("close", (status) => resolve({ status, stderr }));
  });
}

function child(...args: string[]): Promise<{ status: number | null; out: Record<string, unknown> | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    p.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    p.on("error", reject);
    p.on("close", (status) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      let out: Record<string, unknown> | null = null;
      try {
        out = JSON.parse(last);
      } catch {
        out = null;
      }
      resolve({ status, out, stderr });
    });
  });
}

describe("ninr bench", () => {
  it("rejects an unknown workload with the list of known ones", async () => {
    const r = await ninr("bench", "--only", "mlp_step,warp_drive");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--only takes a comma-separated list of mlp_step,mlp_step_2cores,.*sweep; got 'mlp_step,warp_drive'/);
  });

  it("rejects --rounds 0", async () => {
    const r = await ninr("bench", "--rounds", "0");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--rounds must be >= 1, got 0/);
  });

  it("npm run bench (bench/run.ts) takes the same flags and rejects the same errors", async () => {
    const only = await devBench("--only", "mlp_step,warp_drive");
    expect(only.status).toBe(2);
    expect(only.stderr).toMatch(/--only takes a comma-separated list of mlp_step,mlp_step_2cores,.*sweep; got 'mlp_step,warp_drive'/);
    const rounds = await devBench("--rounds", "0");
    expect(rounds.status).toBe(2);
    expect(rounds.stderr).toMatch(/--rounds must be >= 1, got 0/);
  }, 60_000);

  it("the shipped bench code imports nothing from bench/ or @tensorflow", async () => {
    const entries = ["src/node/bench/workloads.ts", "src/node/bench/child.ts", "src/node/bench/report.ts", "src/node/cli/bench.ts"];
    const r = await build({ entryPoints: entries.map((e) => ROOT + e), absWorkingDir: ROOT, platform: "node", format: "esm", bundle: true, packages: "external", metafile: true, write: false, outdir: "out", logLevel: "silent" });
    const inputs = Object.keys(r.metafile.inputs).map((p) => relative(ROOT, `${ROOT}${p}`));
    // The bundle really followed the imports (child.ts's dynamic import of ours.ts included) ...
    expect(inputs).toEqual(expect.arrayContaining(["src/node/bench/workloads.ts", "src/node/bench/ours.ts", "src/node/bench/report.ts", "src/node/cli/bench.ts", "src/stats.ts"]));
    // ... and none of it is under bench/ or in node_modules.
    expect(inputs.filter((p) => p.startsWith("bench/") || p.startsWith("..") || p.includes("node_modules"))).toEqual([]);
    const imports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((m) => m.path));
    expect(imports.some((p) => p.startsWith("@jax-js/jax"))).toBe(true);
    expect(imports.filter((p) => p.startsWith("@tensorflow") || /(^|\/)bench\/(tfjs|wasmPeak|profile|curvature|probe|run)\.ts$/.test(p))).toEqual([]);
  });

  it("a child measures W4 (with and without NINs) and reports its peak RSS", async () => {
    const r = await child("nin_overhead", "1", "1");
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toMatchObject({ workload: "nin_overhead", unit: "samples/s", threads: 1 });
    const values = r.out!.values as number[];
    const without = r.out!.without as number[];
    // 2 x reps timings each, which configuration goes first alternating.
    expect(values).toHaveLength(2);
    expect(without).toHaveLength(2);
    expect(values[0]).toBeGreaterThan(0);
    expect(without[0]).toBeGreaterThan(0);
    expect(r.out!.maxrss_mb as number).toBeGreaterThan(50);
  }, 120_000);

  it("a 2-thread child really runs jax-js on the worker pool", async () => {
    const r = await child("mlp_step", "1", "2");
    expect(r.status, r.stderr).toBe(0);
    expect(r.out).toMatchObject({ workload: "mlp_step", threads: 2 });
    expect((r.out!.values as number[])[0]).toBeGreaterThan(0);
  }, 120_000);

  it("a child rejects an unknown workload", async () => {
    const r = await child("warp_drive", "1", "1");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown workload 'warp_drive'/);
  }, 60_000);
});

describe("the PyTorch reference's environment", () => {
  it("forces OpenBLAS's Haswell kernels where the CPU has AVX2 and FMA, unless the user chose a core", async () => {
    const { referenceEnv } = await import("../../../src/node/bench/workloads.ts");
    const avx2 = "processor\t: 0\nflags\t\t: fpu sse sse2 avx fma avx2 bmi2\n";
    expect(referenceEnv({ PATH: "/bin" }, avx2)).toEqual({ PATH: "/bin", OPENBLAS_CORETYPE: "Haswell" });
    expect(referenceEnv({ OPENBLAS_CORETYPE: "SkylakeX" }, avx2).OPENBLAS_CORETYPE).toBe("SkylakeX");
    expect(referenceEnv({}, "flags\t\t: fpu sse sse2 avx\n").OPENBLAS_CORETYPE).toBeUndefined();
    expect(referenceEnv({}, "").OPENBLAS_CORETYPE).toBeUndefined();
  });
});
