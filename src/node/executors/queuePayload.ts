/**
 * A run folder as a message: what a queue worker returns through Redis (the job's return value)
 * when there is no shared disk. Text files travel as text, params.safetensors (only when asked
 * for) as base64. Unpacking treats the message as untrusted: the job hash must match, file names
 * must be plain names, summary.json must be a JSON object; files are written atomically with
 * summary.json last (the run folder's "done" mark), so a half-unpacked folder is never done.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { NinrError } from "../../errors.ts";
import { writeFileAtomic } from "../atomic.ts";
import { RUN_FILES } from "../runFolder.ts";

/** What a worker returns for a finished job. `files` is absent when the run went to a shared store. */
export type RunPayload = {
  hash: string;
  /** host:pid of the worker process that ran it. */
  worker: string;
  seconds: number;
  summary: Record<string, unknown>;
  files?: Record<string, { text?: string; base64?: string }>;
  /** The run is in `${store}/runs/<hash>` instead of `files`. */
  stored?: boolean;
};

const SAFE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Read a finished run folder into a payload's `files` (params only with `withParams`). */
export function packRunFolder(dir: string, withParams: boolean): NonNullable<RunPayload["files"]> {
  const files: NonNullable<RunPayload["files"]> = {};
  for (const name of readdirSync(dir)) {
    if (!SAFE_NAME.test(name) || !statSync(join(dir, name)).isFile()) continue;
    if (name.endsWith(".safetensors")) {
      if (withParams) files[name] = { base64: readFileSync(join(dir, name)).toString("base64") };
    } else files[name] = { text: readFileSync(join(dir, name), "utf8") };
  }
  return files;
}

/** Check a payload read back from Redis for job `hash`; returns it typed, or throws saying what is wrong. */
export function checkPayload(raw: unknown, hash: string): RunPayload {
  const p = (typeof raw === "string" ? safeParse(raw) : raw) as RunPayload | null;
  if (!p || typeof p !== "object") throw new NinrError(`job ${hash}: its result is not a JSON object`);
  if (p.hash !== hash) throw new NinrError(`job ${hash}: its result names job ${String(p.hash).slice(0, 80)}`);
  if (!p.summary || typeof p.summary !== "object" || Array.isArray(p.summary)) throw new NinrError(`job ${hash}: its result has no summary object`);
  if (!p.stored) {
    if (!p.files || typeof p.files !== "object") throw new NinrError(`job ${hash}: its result carries no files and was not stored`);
    for (const [name, f] of Object.entries(p.files)) {
      if (!SAFE_NAME.test(name)) throw new NinrError(`job ${hash}: its result names a file '${name.slice(0, 80)}' (plain names only)`);
      if (!f || (typeof f.text !== "string" && typeof f.base64 !== "string")) throw new NinrError(`job ${hash}: file ${name} of its result has no content`);
    }
  }
  return p;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** Write a checked payload's files into `dir`, summary.json last. */
export function unpackRunFolder(p: RunPayload, dir: string): void {
  const files = p.files ?? {};
  for (const [name, f] of Object.entries(files)) {
    if (name === RUN_FILES.summary) continue;
    writeFileAtomic(join(dir, name), f.base64 !== undefined ? Buffer.from(f.base64, "base64") : (f.text as string));
  }
  writeFileAtomic(join(dir, RUN_FILES.summary), JSON.stringify(p.summary, null, 2) + "\n");
}
