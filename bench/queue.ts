/**
 * Sweep throughput on this machine through the local executor and the Redis queue, with 1 and 2
 * workers, and the queue's overhead per job against the local executor (issue 13).
 *
 *   npx tsx bench/queue.ts [--jobs 16] [--ms 500] [--rounds 3] [--json FILE]
 *
 * Each measurement is a real `ninr sweep` of N echo jobs (each sleeps --ms in its own job
 * process, as every job does) into a fresh --out, timed from the coordinator's start to its
 * exit: `--executor local --workers W`, or `--executor queue` with W `ninr worker` processes
 * started (and idle) beforehand on a fresh queue. Rounds alternate local / queue at W = 1, 2 so
 * both see the same machine state. Starts its own redis-server on a free loopback port and stops
 * it at the end.
 *
 * jobs/min = N / wall; overhead per job (ms) = (queue wall - local wall) x W / N: the extra time
 * each job holds a worker slot (Redis round trips, BullMQ's hand-off to its sandbox child, the
 * run folder packed and sent back, and the coordinator's polling, the last poll amortized over N).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const BIN = join(import.meta.dirname, "../bin/ninr.js");
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const JOBS = arg("jobs", 16);
const MS = arg("ms", 500);
const ROUNDS = arg("rounds", 3);
const jsonIdx = process.argv.indexOf("--json");
const JSON_FILE = jsonIdx > 0 ? process.argv[jsonIdx + 1] : null;

const root = mkdtempSync(join(tmpdir(), "ninr-bench-queue-"));
const spec = join(root, "spec.json");
writeFileSync(spec, JSON.stringify({ experiment: "echo", count: JOBS, ms: MS }));
const children = new Set<ChildProcess>();

function start(cmd: string, args: string[]): { proc: ChildProcess; err: () => string; exit: Promise<number | null> } {
  const proc = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  children.add(proc);
  let err = "";
  proc.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((r) => proc.on("exit", (c) => (children.delete(proc), r(c))));
  return { proc, err: () => err, exit };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => boolean, ms = 120_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let n = 0;
/** One timed sweep; returns wall seconds. */
async function sweep(executor: "local" | "queue", workers: number, redis: string): Promise<number> {
  const out = join(root, `out-${n++}`);
  const queue = `bench-${process.pid}-${n}`;
  const ws: ReturnType<typeof start>[] = [];
  if (executor === "queue") {
    for (let i = 0; i < workers; i++) ws.push(start(process.execPath, [BIN, "worker", "--redis", redis, "--queue", queue]));
    await until("the workers to wait for jobs", () => ws.every((w) => /waiting for jobs/.test(w.err())));
  }
  const args = executor === "local" ? ["--workers", String(workers)] : ["--executor", "queue", "--redis", redis, "--queue", queue];
  const t0 = performance.now();
  const c = start(process.execPath, [BIN, "sweep", spec, "--out", out, "--json", ...args]);
  const code = await c.exit;
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`sweep (${executor}, ${workers}) exited ${code}: ${c.err().slice(-500)}`);
  for (const w of ws) w.proc.kill("SIGTERM"); // idle: they exit at once
  await Promise.all(ws.map((w) => w.exit));
  rmSync(out, { recursive: true, force: true });
  return wall;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};

const port = await freePort();
const redisDir = join(root, "redis");
mkdirSync(redisDir);
const redisProc = start("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", redisDir, "--maxmemory-policy", "noeviction"]);
const stopAll = () => {
  for (const c of children) c.kill("SIGKILL");
};
process.on("exit", () => {
  stopAll();
  rmSync(root, { recursive: true, force: true });
});
for (const s of ["SIGINT", "SIGTERM"] as const) process.on(s, () => process.exit(130));
const url = `redis://127.0.0.1:${port}`;
await sleep(300);

const load0 = loadavg()[0];
const t: Record<string, number[]> = {};
for (let r = 0; r < ROUNDS; r++)
  for (const w of [1, 2])
    for (const ex of r % 2 === 0 ? (["local", "queue"] as const) : (["queue", "local"] as const)) {
      const s = await sweep(ex, w, url);
      (t[`${ex}-${w}`] ??= []).push(s);
      process.stderr.write(`round ${r + 1}: ${ex} with ${w} worker(s): ${s.toFixed(2)} s\n`);
    }
redisProc.proc.kill("SIGTERM");
await redisProc.exit;

const rows = [1, 2].map((w) => {
  const local = median(t[`local-${w}`]);
  const queue = median(t[`queue-${w}`]);
  return { workers: w, local_s: local, queue_s: queue, local_jobs_per_min: (JOBS / local) * 60, queue_jobs_per_min: (JOBS / queue) * 60, overhead_ms_per_job: ((queue - local) * w * 1000) / JOBS };
});
const result = { date: new Date().toISOString(), jobs: JOBS, ms: MS, rounds: ROUNDS, cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, loadavg_before: load0, loadavg_after: loadavg()[0], times_s: t, rows };
console.log(`${JOBS} echo jobs of ${MS} ms, median of ${ROUNDS} rounds (every time: ${JSON.stringify(t)})`);
console.log("| workers | local: s | local: jobs/min | queue: s | queue: jobs/min | queue overhead per job (ms) |");
console.log("|---:|---:|---:|---:|---:|---:|");
for (const r of rows) console.log(`| ${r.workers} | ${r.local_s.toFixed(1)} | ${r.local_jobs_per_min.toFixed(1)} | ${r.queue_s.toFixed(1)} | ${r.queue_jobs_per_min.toFixed(1)} | ${r.overhead_ms_per_job.toFixed(0)} |`);
console.log(`load average ${load0.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after (${cpus().length} cores)`);
if (JSON_FILE) writeFileSync(JSON_FILE, JSON.stringify(result, null, 2) + "\n");
