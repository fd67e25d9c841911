/**
 * Sweep jobs: a job is a kind (which runner handles it) plus JSON-serialisable arguments. Its
 * hash, over a canonical JSON encoding, names its folder, so sweeps deduplicate and resume for
 * free: a job whose folder holds `summary.json` (written last, atomically) is done.
 */
import { createHash } from "node:crypto";

export type Job = { kind: string; args: Record<string, unknown> };

/** JSON with object keys sorted at every level (so key order never changes a hash). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** 12 hex digits of sha256: plenty for sweeps of thousands of jobs. */
export function jobHash(job: Job): string {
  return createHash("sha256").update(canonicalJson(job)).digest("hex").slice(0, 12);
}
