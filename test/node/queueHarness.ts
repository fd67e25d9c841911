/**
 * Test harness for the queue executor: a real Redis and real `ninr` processes. Without
 * REDIS_URL, starts `redis-server` on a free local port (in a temp dir, optionally with AOF) and
 * stops it after; with neither, the tests skip and say why. Every process is started in its own
 * process group, so `stopAll` ends it with everything it spawned (a worker's job processes have
 * a group of their own, src/node/executors/queueWorker.ts: they are found as its descendants).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";

const BIN = join(import.meta.dirname, "../../bin/ninr.js");

export function redisServerPath(): string | null {
  for (const p of ["/usr/bin/redis-server", "/usr/local/bin/redis-server"]) if (existsSync(p)) return p;
  try {
    return execFileSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

/** Why queue tests cannot run here, or null when they can. */
export function skipReason(): string | null {
  if (process.env.REDIS_URL) return null;
  return redisServerPath() ? null : "queue tests skipped: no REDIS_URL and no redis-server binary (apt-get install redis-server)";
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export type TestRedis = { url: string; own: boolean; stop(): Promise<void>; start(): Promise<void> };

async function waitForPing(url: string, ms = 10000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on("error", () => {});
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      return;
    } catch {
      r.disconnect();
      if (Date.now() - t0 > ms) throw new Error(`redis at ${url} did not answer within ${ms} ms`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}

/** A Redis for one test file: REDIS_URL's, or our own server (restartable; AOF keeps jobs across restarts). */
export async function startRedis(opts: { aof?: boolean } = {}): Promise<TestRedis> {
  // REDIS_URL (the server .ci/run starts) serves tests that never stop Redis; a test that
  // restarts it (AOF) gets a server of its own, so it cannot disturb the others.
  if (process.env.REDIS_URL && !opts.aof) return { url: process.env.REDIS_URL, own: false, stop: async () => {}, start: async () => {} };
  if (!redisServerPath()) throw new Error("this test restarts Redis: it needs the redis-server binary (apt-get install redis-server)");
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "ninr-redis-"));
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | null = null;
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir, "--maxmemory-policy", "noeviction", ...(opts.aof ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"])];
  const start = async () => {
    proc = spawn(redisServerPath()!, args, { stdio: "ignore" });
    await waitForPing(url);
  };
  const stop = async () => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once("exit", r));
    p.kill("SIGTERM"); // redis-server flushes its AOF and exits
    await gone;
  };
  await start();
  return { url, own: true, stop, start };
}

/**
 * A Redis for the describe block it is called in: started before its tests, stopped after them
 * with every `ninr` process they started. The handle's fields are live once the block runs.
 */
export function useTestRedis(opts: { aof?: boolean } = {}): Pick<TestRedis, "url" | "stop" | "start"> {
  let r: TestRedis | undefined;
  beforeAll(async () => {
    r = await startRedis(opts);
  }, 30_000);
  afterAll(async () => {
    stopAll();
    await r?.stop();
  });
  return {
    get url() {
      return r!.url;
    },
    stop: () => r!.stop(),
    start: () => r!.start(),
  };
}

export type NinrProc = { proc: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> };

const started: ChildProcess[] = [];

/** `ninr ...args` in its own process group; stdout and stderr collected. */
export function ninr(args: string[], env: Record<string, string> = {}): NinrProc {
  const proc = spawn(process.execPath, [BIN, ...args], { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NINR_THREADS: "0", ...env } });
  started.push(proc);
  let out = "";
  let err = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (err += d));
  const exit = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  return { proc, out: () => out, err: () => err, exit };
}

/** The pids of every live descendant of `pid` (children, grandchildren, ...), from ps. */
export function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-e", "-o", "pid=,ppid="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/).map(Number));
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    for (const [c, pp] of rows) if (pp === p && !out.includes(c)) (out.push(c), todo.push(c));
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Is any process of the group `pgid` still alive? */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kill every process group this file started (workers, coordinators, and their children). */
export function stopAll(): void {
  for (const p of started) {
    if (!p.pid) continue;
    const kids = descendants(p.pid);
    if (groupAlive(p.pid)) process.kill(-p.pid, "SIGKILL");
    for (const k of kids) if (alive(k)) process.kill(k, "SIGKILL");
  }
  started.length = 0;
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const uniqueQueue = () => `t${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
