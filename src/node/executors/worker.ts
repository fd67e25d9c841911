/**
 * A local-executor worker process: receives one job over IPC, runs it (src/experiments/runners.ts)
 * in this machine's environment, writes its run folder, and answers {ok, summary} or {ok: false, error}.
 */
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
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

process.on("message", async (msg: WorkerRequest) => {
  try {
    if (!jobIntact(msg.job)) throw new Error(`job ${msg.job.hash}: its hash does not match its content`);
    const record = await runJob(await jobOnDevice(msg.job), nodeEnv(msg.data)); // after the hash check: it fills in the device
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
