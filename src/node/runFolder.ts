/**
 * The run folder, the one module that knows its layout (write and read):
 *   config.json         the resolved RunConfig plus where the data came from
 *   metrics.jsonl       one JSON object a line (step metrics of epoch 1, then epoch metrics)
 *   params.safetensors  final parameters (and model state under "state/"), when kept
 *   <extra>.json        a job's extra files (trace.json, curvature.json, robustness.json, ...)
 *   summary.json        headline numbers, written LAST: a folder whose summary.json holds a JSON
 *                       object is a finished run (sweeps resume on it)
 * Every file is written atomically. Files read back are untrusted: a summary that does not parse
 * as an object does not count as done.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type RunConfig, resolveConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import { NinrError } from "../errors.ts";
import { type RunRecord, paramsFromRecord } from "../experiments/record.ts";
import { type HostTensor, decodeSafetensors, encodeSafetensors } from "../io/safetensors.ts";
import type { ModelState, Params } from "../models/model.ts";
import { type StepFns, makeStepFns } from "../train/step.ts";
import { writeFileAtomic, writeJsonAtomic } from "./atomic.ts";

export const RUN_FILES = { config: "config.json", metrics: "metrics.jsonl", params: "params.safetensors", summary: "summary.json" } as const;

/** Keys config.json carries besides the RunConfig (data provenance). */
const PROVENANCE_KEYS = ["data_source", "data_dir"];

/** The folder of a sweep job's run: `${outDir}/runs/${hash}`. */
export function runDir(outDir: string, hash: string): string {
  return join(outDir, "runs", hash);
}

/** Write a run record as a folder; summary.json goes last. */
export function writeRunRecord(dir: string, r: RunRecord): void {
  writeJsonAtomic(join(dir, RUN_FILES.config), r.config);
  writeFileAtomic(join(dir, RUN_FILES.metrics), r.metrics.map((m) => JSON.stringify(m)).join("\n") + (r.metrics.length ? "\n" : ""));
  if (r.params) writeFileAtomic(join(dir, RUN_FILES.params), encodeSafetensors(r.params.tensors, r.params.metadata));
  for (const [name, value] of Object.entries(r.files)) writeJsonAtomic(join(dir, name), value);
  writeJsonAtomic(join(dir, RUN_FILES.summary), r.summary);
}

/** JSON files of a run are small (a trace is a few MB); anything larger is not ours. */
const MAX_JSON_BYTES = 256 * 2 ** 20;

/**
 * The bytes of a file read back from a run folder, or null when there is nothing to read: not a
 * regular file (a folder, or a FIFO, which would block forever) or over `maxBytes`.
 */
export function readRegularFile(path: string, maxBytes: number): Buffer | null {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st || !st.isFile() || st.size > maxBytes) return null;
  try {
    return readFileSync(path);
  } catch {
    return null; // unreadable (permissions, or replaced meanwhile)
  }
}

/** A JSON object file of a run, or null when it is missing, not a regular file, or not a JSON object. */
export function readRunJson(dir: string, name: string): Record<string, unknown> | null {
  const f = join(dir, name);
  const bytes = readRegularFile(f, MAX_JSON_BYTES);
  if (!bytes) return null;
  try {
    const v = JSON.parse(bytes.toString("utf8"));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The summary of a finished run, or null (missing, empty or corrupt: not done). */
export function readSummary(dir: string): Record<string, unknown> | null {
  return readRunJson(dir, RUN_FILES.summary);
}

/**
 * A run's holdout accuracy per epoch, from the epoch records of its metrics.jsonl (in epoch
 * order), or null when the file is missing, oversized or has no epoch record with a holdout
 * accuracy. Lines that do not parse or lack the fields are skipped: the file is untrusted.
 */
export function readHoldoutCurve(dir: string): number[] | null {
  const bytes = readRegularFile(join(dir, RUN_FILES.metrics), MAX_JSON_BYTES);
  if (!bytes) return null;
  const byEpoch = new Map<number, number>();
  for (const line of bytes.toString("utf8").split("\n")) {
    if (!line.includes('"epoch"')) continue;
    try {
      const m = JSON.parse(line);
      if (m?.kind === "epoch" && Number.isInteger(m.epoch) && m.epoch >= 0 && typeof m.holdout_acc === "number" && Number.isFinite(m.holdout_acc)) byEpoch.set(m.epoch, m.holdout_acc);
    } catch {
      // a damaged line: skip it
    }
  }
  if (!byEpoch.size) return null;
  const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
  // A gap (a damaged line mid-curve) would shift later epochs: keep the contiguous start only.
  const curve: number[] = [];
  for (const [i, e] of epochs.entries()) {
    if (e !== i) break;
    curve.push(byEpoch.get(e)!);
  }
  return curve.length ? curve : null;
}

export function isDone(dir: string): boolean {
  return readSummary(dir) !== null;
}

/** A run's config.json as a validated RunConfig (provenance keys dropped). */
export function readRunConfig(dir: string): RunConfig {
  const f = join(dir, RUN_FILES.config);
  if (!existsSync(f)) throw new NinrError(`${dir} is not a run folder: config.json is missing (make one with 'ninr train --out ${dir}')`);
  const raw = readRunJson(dir, RUN_FILES.config);
  if (!raw) throw new NinrError(`${f} is not a JSON object; the run folder is damaged (re-run the training)`);
  for (const k of PROVENANCE_KEYS) delete raw[k];
  return resolveConfig(raw);
}

/** A run folder's params.safetensors, decoded (not yet checked against a network), or null when it has none. */
export function readRunParams(dir: string): { tensors: Record<string, HostTensor>; metadata: Record<string, string> } | null {
  const pPath = join(dir, RUN_FILES.params);
  if (!existsSync(pPath)) return null;
  const bytes = readRegularFile(pPath, 2 ** 31 - 1);
  if (!bytes) throw new NinrError(`${pPath} is not a readable regular file under 2 GiB (a folder, FIFO, device or huge file); the run folder is damaged (re-run the training)`);
  return decodeSafetensors(bytes, pPath);
}

export type LoadedRun = { dir: string; cfg: RunConfig; params: Params; state: ModelState; fns: StepFns };

/**
 * Load a finished run (config.json + params.safetensors) onto the device, for data of shape
 * `info`. Every tensor is checked against the config's network before any goes on the device.
 */
export function loadRun(dir: string, info: Pick<Dataset, "inputShape" | "classes" | "range">): LoadedRun {
  const cfg = readRunConfig(dir);
  const pPath = join(dir, RUN_FILES.params);
  const rec = readRunParams(dir);
  if (!rec) throw new NinrError(`${dir} has no params.safetensors; the run did not finish or was written without parameters`);
  const { params, state } = paramsFromRecord(cfg, info, rec.tensors, rec.metadata, pPath);
  return { dir, cfg, params, state, fns: makeStepFns(cfg, info) };
}

export function disposeRun(r: LoadedRun): void {
  for (const a of Object.values(r.params)) a.dispose();
  for (const a of Object.values(r.state)) a.dispose();
  r.fns.dispose();
}

/**
 * `mkdir -p`, one level at a time from the nearest existing ancestor (which must be a folder).
 * Node's own recursive mkdirSync never returns for a path under /proc (it retries ENOENT forever).
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  while (!existsSync(at)) {
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw Object.assign(new Error(`${at} is not a folder`), { code: "ENOTDIR" });
  for (const d of missing.reverse()) mkdirSync(d);
}

/**
 * Check, before anything is computed, that `dir` can be an output folder: a non-empty path,
 * not an existing file or device, creatable, and writable. Creates it. `flag` names the option
 * in the message (e.g. "--out").
 */
export function prepareOutDir(dir: string, flag = "--out"): void {
  if (typeof dir !== "string" || dir.trim() === "") throw new NinrError(`${flag} must name a folder, got an empty path`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new NinrError(`${flag} ${dir} exists and is not a folder; give a new or existing folder`);
  try {
    makeFolders(dir);
  } catch (e) {
    throw new NinrError(`${flag} ${dir} cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); is a parent a file, or read-only?`);
  }
  const probe = join(dir, `.ninr-write-test-${process.pid}-${Date.now()}`);
  try {
    writeFileSync(probe, "", { flag: "wx" });
    rmSync(probe, { force: true });
  } catch (e) {
    throw new NinrError(`${flag} ${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a folder you can write to`);
  }
}

/**
 * A sweep's --out folder before a resume: its runs/ must be a folder and each of `files` (the
 * sweep's own JSON files) a regular file when present, or the sweep would fail at its first
 * write after computing (a folder named sigmas.json, a file named runs).
 */
export function checkSweepFolder(outDir: string, files: string[]): void {
  const runs = join(outDir, "runs");
  if (existsSync(runs) && !statSync(runs).isDirectory()) throw new NinrError(`${runs} is not a folder; the sweep keeps its runs there: move it away or use another --out`);
  for (const f of files) {
    const p = join(outDir, f);
    const st = statSync(p, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new NinrError(`${p} is not a regular file (a folder, FIFO or device); remove it or use another --out`);
  }
}
