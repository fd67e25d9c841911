/**
 * Sweep faults on one machine: one sweep per output folder (a lock), a stale lock of a killed
 * sweep is taken over, and workers do not outlive a killed coordinator.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeJob } from "../../../src/experiments/jobs.ts";
import { LocalExecutor, acquireLock } from "../../../src/node/executors/local.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("sweep locks and orphans", () => {
  it("a second sweep into the same folder is refused while the first runs; the lock goes with it", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-lock-"));
    const first = new LocalExecutor({ outDir: out, workers: 1 }).run([makeJob("echo", { ms: 3000, tag: "a" })]);
    await new Promise((r) => setTimeout(r, 200));
    expect(JSON.parse(readFileSync(join(out, "sweep.lock"), "utf8")).pid).toBe(process.pid);
    // The same process holds it; a lock held by another live process is refused:
    writeFileSync(join(out, "sweep.lock"), JSON.stringify({ pid: process.ppid, started: "then" }));
    expect(() => acquireLock(out)).toThrow(/another sweep \(pid \d+, started then\) is writing to/);
    writeFileSync(join(out, "sweep.lock"), JSON.stringify({ pid: process.pid }));
    const [o] = await first;
    expect(o.status).toBe("done");
    expect(existsSync(join(out, "sweep.lock"))).toBe(false);
  });

  it("a stale lock (its process is gone) is taken over", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-lock-"));
    const dead = spawn(process.execPath, ["-e", "0"]);
    await new Promise((r) => dead.on("close", r));
    writeFileSync(join(out, "sweep.lock"), JSON.stringify({ pid: dead.pid, started: "long ago" }));
    const [o] = await new LocalExecutor({ outDir: out, workers: 1 }).run([makeJob("echo", { ms: 0 })]);
    expect(o.status).toBe("done");
  });

  it("killing the coordinator with SIGKILL takes its workers down too", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-orphan-"));
    const script = join(out, "coordinator.mts");
    const local = new URL("../../../src/node/executors/local.ts", import.meta.url).pathname;
    const jobs = new URL("../../../src/experiments/jobs.ts", import.meta.url).pathname;
    writeFileSync(
      script,
      `import { LocalExecutor } from ${JSON.stringify(local)};\nimport { makeJob } from ${JSON.stringify(jobs)};\n` +
        `await new LocalExecutor({ outDir: ${JSON.stringify(out)}, workers: 2, onSpawn: (pid) => console.log("worker " + pid) }).run([makeJob("echo", { ms: 60000, tag: "x" }), makeJob("echo", { ms: 60000, tag: "y" })]);\n`,
    );
    const parent = spawn(process.execPath, ["--import", "tsx", script], { stdio: ["ignore", "pipe", "inherit"] });
    const pids: number[] = [];
    await new Promise<void>((resolve) => {
      parent.stdout.setEncoding("utf8").on("data", (d: string) => {
        for (const m of d.matchAll(/worker (\d+)/g)) pids.push(Number(m[1]));
        if (pids.length === 2) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 1500)); // the workers have their jobs
    parent.kill("SIGKILL");
    const t0 = Date.now();
    while (pids.some(alive) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(alive)).toEqual([]);
    // Nothing was recorded as done: the jobs simply run again on a restart.
    expect(existsSync(join(out, "runs"))).toBe(false);
  });
});
