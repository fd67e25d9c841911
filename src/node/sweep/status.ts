/**
 * `ninr sweep status --redis URL SPEC`: a queued sweep's state, from any machine that reaches
 * its Redis, without the output folder and without expanding the spec: the coordinator stored
 * the plan's jobs under the spec's hash; job states come from BullMQ, who ran what and the
 * summaries from the workers' records (src/node/executors/queueKeys.ts).
 */
import { NinrError } from "../../errors.ts";
import type { Job } from "../../experiments/jobs.ts";
import { withQueue } from "../executors/queueConnection.ts";
import { parseJobStat, planKey, statsKey } from "../executors/queueKeys.ts";
import { addWorkerFinish, emptyState, renderState } from "./liveView.ts";
import { type SweepSpec, specHash } from "./spec.ts";

export async function sweepStatus(url: string, queueName: string, spec: SweepSpec, json: boolean): Promise<string> {
  return withQueue(url, queueName, async (conn, queue) => {
    const hash = specHash(spec);
    const raw = await conn.get(planKey(queueName, hash));
    let jobs: Job[] = [];
    try {
      jobs = raw ? (JSON.parse(raw).jobs as Job[]) : [];
    } catch {
      /* damaged: reported below as not found */
    }
    if (!Array.isArray(jobs) || jobs.length === 0) throw new NinrError(`no sweep with this spec (hash ${hash.slice(0, 12)}) in queue '${queueName}'; start it with 'ninr sweep SPEC --executor queue --redis URL --out DIR'`);
    const states = await Promise.all(jobs.map((j) => queue.getJobState(j.hash)));
    const stats = jobs.length ? await conn.hmget(statsKey(queueName), ...jobs.map((j) => j.hash)) : [];
    const s = emptyState(jobs.length);
    s.counts = { queued: 0, running: 0, done: 0, failed: 0 };
    jobs.forEach((j, i) => {
      const st = states[i];
      if (st === "completed") {
        s.counts.done++;
        const rec = parseJobStat(stats[i]);
        if (rec) {
          s.summaries.set(j.hash, rec.summary);
          addWorkerFinish(s, rec.worker, rec.seconds, rec.finishedOn);
        }
      } else if (st === "failed") s.counts.failed++;
      else if (st === "active") s.counts.running++;
      else s.counts.queued++;
    });
    if (json)
      return JSON.stringify({
        spec_hash: hash,
        queue: queueName,
        jobs: jobs.length,
        ...s.counts,
        workers: Object.fromEntries([...s.workers].map(([id, w]) => [id, { done: w.done, seconds_per_job: w.seconds / w.done }])),
      });
    return renderState(`sweep ${hash.slice(0, 12)} (queue ${queueName})`, s, jobs).join("\n");
  });
}
