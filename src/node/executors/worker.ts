/**
 * A local-executor worker process: receives one job over IPC, runs it (src/experiments/runners.ts)
 * in this machine's environment, writes its run folder, and answers {ok, summary} or {ok: false, error}.
 */
import { dirname } from "node:path";
import { NinrError } from "../../errors.ts";
import { jobIntact } from "../../experiments/jobs.ts";
import { runJob } from "../../experiments/runners.ts";
import { jobOnDevice } from "../device.ts";
import { nodeEnv } from "../env.ts";
import { writeRunRecord } from "../runFolder.ts";
import type { WorkerReply, WorkerRequest } from "./local.ts";

const reply = (m: WorkerReply) => {
  if (process.connected) process.send!(m);
};

// The coordinator gone (killed, crashed) closes the IPC channel: stop, rather than finish a job
// nobody collects while a restarted sweep runs it again beside us.
let replied = false;
process.on("disconnect", () => process.exit(replied ? 0 : 1));
// Ctrl-C reaches the whole process group: stop between writes (a handler runs between
// synchronous steps, so no run folder file is left torn), and leave the one message to the coordinator.
// Under a queue worker (NINR_JOB_SIGNALS=ignore, src/node/executors/queueProcessor.ts) the worker
// decides: it lets this job finish on a first signal and, on a second, exits, which closes our
// channel ("disconnect" above).
const ignoreSignals = process.env.NINR_JOB_SIGNALS === "ignore";
process.on("SIGINT", () => ignoreSignals || process.exit(130));
process.on("SIGTERM", () => ignoreSignals || process.exit(143));

process.on("message", async (msg: WorkerRequest) => {
  try {
    if (!jobIntact(msg.job)) throw new Error(`job ${msg.job.hash}: its hash does not match its content`);
    const record = await runJob(await jobOnDevice(msg.job), nodeEnv(msg.data, [], dirname(msg.dir))); // after the hash check: it fills in the device
    writeRunRecord(msg.dir, record);
    replied = true;
    reply({ ok: true, summary: record.summary });
  } catch (e) {
    const err = e as Error;
    replied = true;
    reply({ ok: false, error: err instanceof NinrError ? err.message : (err.stack ?? String(err)) });
  }
});
reply({ ready: true });
