/**
 * A sweep worker process: receives jobs over IPC, runs them one at a time with the registered
 * runner for their kind, and answers {id, ok, error?}. Started by src/sweep/executor.ts.
 */
import { RUNNERS } from "./runners.ts";

type Msg = { id: number; kind: string; args: Record<string, unknown>; dir: string };

process.on("message", async (msg: Msg) => {
  try {
    const runner = RUNNERS[msg.kind];
    if (!runner) throw new Error(`no runner for job kind '${msg.kind}'`);
    await runner(msg.args, msg.dir);
    process.send!({ id: msg.id, ok: true });
  } catch (e) {
    const err = e as Error;
    process.send!({ id: msg.id, ok: false, error: err.name === "NinrError" ? err.message : (err.stack ?? String(err)) });
  }
});
process.send!({ ready: true });
