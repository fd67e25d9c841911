/**
 * `ninr bench` plumbing (not speed: benchmarks live in bench/, not in timed tests): flag
 * errors, and the child-process protocol that every measurement goes through.
 */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ninr } from "../../helpers/cli.ts";

const CHILD = new URL("../../../bench/child.ts", import.meta.url).pathname;

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
