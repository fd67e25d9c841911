/**
 * Atomic file writes: write to a temporary sibling, then rename over the target.
 * A reader (or a resumed sweep) never sees a half-written file.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";

let counter = 0;

/** Write `data` to `path` atomically, creating parent folders as needed. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Write a value as pretty JSON (2-space indent, trailing newline), atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}
