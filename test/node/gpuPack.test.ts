/**
 * bench/gpu/pack.sh's bundle (bench/webgpu.ts and everything it imports, jax-js included, in one
 * ESM file) runs under plain Node from a folder of its own, as on a GPU machine without the
 * repo's node_modules: here on the Wasm device, one tiny MLP step. The rest of pack.sh (Node's
 * binary from npm, Dawn, the Vulkan loader) needs the network and is checked by running it
 * (bench/README.md, "WebGPU").
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "ninr-gpupack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bench/gpu/pack.sh bundle", () => {
  it("builds one file that runs the MLP step on Wasm outside the repo", { timeout: 120_000 }, () => {
    const pack = spawnSync("sh", ["bench/gpu/pack.sh"], { env: { ...process.env, GPU_DIR: dir, BUNDLE_ONLY: "1" }, encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    const bundle = join(dir, "bench/webgpu/webgpu-bench.mjs");
    expect(existsSync(bundle)).toBe(true);
    const run = spawnSync(process.execPath, [bundle, "--device", "wasm", "--only", "mlp_step", "--batch", "8", "--steps", "1", "--reps", "1", "--json"], { cwd: dir, encoding: "utf8", timeout: 100_000 });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.device).toBe("wasm");
    expect(out.rows.map((r: { workload: string }) => r.workload)).toEqual(["mlp_step"]);
    expect(out.rows[0].median).toBeGreaterThan(0);
  });

  it("refuses a GPU_DIR that is not a folder of its own", () => {
    const r = spawnSync("sh", ["bench/gpu/pack.sh"], { env: { ...process.env, GPU_DIR: "/", BUNDLE_ONLY: "1" }, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/GPU_DIR must name a folder of its own/);
  });
});
