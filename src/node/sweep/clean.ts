/**
 * `ninr sweep clean --redis URL SPEC`: remove a finished queued sweep's jobs from Redis. Finished
 * jobs stay in Redis with their results (removeOnComplete: false, so a restarted coordinator
 * can still collect them), which costs memory for as long as they stay; once the sweep's
 * results are in its --out folder, this frees it. The sweep's jobs are the ones its coordinator
 * stored under the spec's hash (as `ninr sweep status` reads them): no expansion, no --out.
 *
 * Only finished sweeps: a job still queued or running means a coordinator may still be
 * collecting, and a result removed before it is collected would be enqueued and run again, so
 * then nothing is removed. Jobs are shared by hash between sweeps (the same job in two specs is
 * one queue job): a job another sweep's plan still lists is kept for that sweep.
 */
import type { Redis } from "ioredis";
import { NinrError } from "../../errors.ts";
import { withQueue } from "../executors/queueConnection.ts";
import { planKey, statsKey } from "../executors/queueKeys.ts";
import { type SweepSpec, specHash } from "./spec.ts";

/** The job hashes of a stored plan (the coordinator's JSON), or [] when it is missing or damaged. */
function planHashes(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const jobs = (JSON.parse(raw) as { jobs?: unknown }).jobs;
    return Array.isArray(jobs) ? jobs.map((j) => (j as { hash?: unknown })?.hash).filter((h): h is string => typeof h === "string") : [];
  } catch {
    return [];
  }
}

/** Every job hash listed by the other sweeps' plans in this queue. */
async function otherSweepsJobs(conn: Redis, queueName: string, ours: string): Promise<Set<string>> {
  // SCAN's MATCH is a glob: a queue name's own glob characters are matched literally.
  const pattern = planKey(queueName.replace(/[*?[\]\\]/g, "\\$&"), "*");
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await conn.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...found.filter((k) => k !== ours));
  } while (cursor !== "0");
  const out = new Set<string>();
  for (const k of keys) for (const h of planHashes(await conn.get(k))) out.add(h);
  return out;
}

export type CleanResult = { spec_hash: string; queue: string; jobs: number; removed: number; finished: number; failed: number; shared: number; missing: number };

export async function cleanSweep(url: string, queueName: string, spec: SweepSpec, json: boolean): Promise<string> {
  return withQueue(url, queueName, async (conn, queue) => {
    const hash = specHash(spec);
    const key = planKey(queueName, hash);
    const hashes = [...new Set(planHashes(await conn.get(key)))];
    if (hashes.length === 0) throw new NinrError(`no sweep with this spec (hash ${hash.slice(0, 12)}) in queue '${queueName}'; nothing to clean (is --queue the coordinator's?)`);
    const states = await Promise.all(hashes.map((h) => queue.getJobState(h)));
    const busy = states.filter((s) => s !== "completed" && s !== "failed" && s !== "unknown").length;
    if (busy) throw new NinrError(`${busy} of ${hashes.length} jobs of sweep ${hash.slice(0, 12)} are still queued or running; clean removes finished sweeps only (a coordinator would enqueue removed jobs again): wait for it to end (ninr sweep status --redis URL SPEC)`);
    const shared = await otherSweepsJobs(conn, queueName, key);
    const r: CleanResult = { spec_hash: hash, queue: queueName, jobs: hashes.length, removed: 0, finished: 0, failed: 0, shared: 0, missing: 0 };
    const gone: string[] = [];
    for (const [i, h] of hashes.entries()) {
      if (states[i] === "unknown") r.missing++;
      else if (shared.has(h)) r.shared++;
      else if ((await queue.remove(h)) === 1) {
        r.removed++;
        r[states[i] === "completed" ? "finished" : "failed"]++;
        gone.push(h);
      }
    }
    if (gone.length) await conn.hdel(statsKey(queueName), ...gone);
    await conn.del(key); // this sweep's record: what is left of it belongs to the sweeps that share it
    if (json) return JSON.stringify(r);
    return (
      `sweep ${hash.slice(0, 12)}: removed ${r.removed} of its ${r.jobs} jobs from queue '${queueName}' (${r.finished} finished, ${r.failed} failed)` +
      (r.shared ? `; kept ${r.shared} that another sweep's plan also lists` : "") +
      (r.missing ? `; ${r.missing} were no longer in the queue` : "")
    );
  });
}
