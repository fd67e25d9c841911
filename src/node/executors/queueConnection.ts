/**
 * Redis for the queue executor: the `--redis URL` check, a probe that turns "Redis is not
 * there" into a one-line NinrError before anything is enqueued or written, and connections
 * made the way BullMQ needs them (maxRetriesPerRequest null: commands wait through a Redis
 * restart while ioredis reconnects, instead of failing).
 */
import { Queue } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { NinrError } from "../../errors.ts";

/** The default queue: every sweep shares it, jobs are named by hash, so equal jobs are shared too. */
export const DEFAULT_QUEUE = "ninr";

/** Check a `--redis` URL: redis:// or rediss://, a host, a port in range, an optional numeric db. */
export function checkRedisUrl(raw: string, flag = "--redis"): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new NinrError(`${flag} must be a URL like redis://HOST:6379 or rediss://user:pass@HOST:6380/0, got '${String(raw).slice(0, 80)}'`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new NinrError(`${flag} must start with redis:// or rediss://, got '${raw.slice(0, 80)}'`);
  if (!u.hostname) throw new NinrError(`${flag} names no host, got '${raw.slice(0, 80)}'`);
  if (u.pathname && u.pathname !== "/" && !/^\/\d+$/.test(u.pathname)) throw new NinrError(`${flag}: the path must be a database number like /0, got '${u.pathname.slice(0, 40)}'`);
  return raw;
}

/** A connection for BullMQ (Queue, Worker): reconnects forever, commands wait meanwhile. */
export function bullConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra });
}

/**
 * Connect once, without retries, and PING: a bad host, a refused port or a wrong password is a
 * NinrError naming the URL (the CLI exits 2). Also reads the eviction policy: BullMQ loses jobs
 * when Redis evicts keys, so anything but noeviction is returned as a warning.
 */
export async function probeRedis(url: string, timeoutMs = 3000): Promise<{ warning?: string }> {
  checkRedisUrl(url);
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let first: Error | null = null;
  r.on("error", (e: Error) => (first ??= e)); // the socket's own error says more than "Connection is closed"
  const shown = url.replace(/\/\/[^@/]*@/, "//***@");
  try {
    await r.connect();
    await r.ping();
    let warning: string | undefined;
    try {
      const cfg = (await r.config("GET", "maxmemory-policy")) as string[];
      if (cfg[1] && cfg[1] !== "noeviction") warning = `Redis at ${shown} has maxmemory-policy ${cfg[1]}; BullMQ needs noeviction or it can lose jobs (docs/scale-out.md)`;
    } catch {
      /* CONFIG may be disabled on managed Redis: nothing to check */
    }
    return { warning };
  } catch (e) {
    const err = (first ?? e) as NodeJS.ErrnoException;
    const why = err.code ?? err.message.split("\n")[0];
    throw new NinrError(`--redis ${shown}: cannot reach Redis (${why}); start redis-server or check the host, port and password`);
  } finally {
    r.disconnect();
  }
}

/**
 * Run `fn` with a connection and a BullMQ handle on `queueName`, for one-shot readers of a sweep
 * (status, clean): Redis is checked reachable first (a clear error, not a hang), and both are
 * closed after, whatever `fn` does.
 */
export async function withQueue<T>(url: string, queueName: string, fn: (conn: Redis, queue: Queue) => Promise<T>): Promise<T> {
  await probeRedis(url);
  const conn = bullConnection(url);
  conn.on("error", () => {});
  const queue = new Queue(queueName, { connection: conn });
  queue.on("error", () => {});
  try {
    return await fn(conn, queue);
  } finally {
    await queue.close();
    conn.disconnect();
  }
}

