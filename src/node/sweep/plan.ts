/**
 * A sweep's plan: its spec and the jobs it expands to, in a fixed order, written once to
 * `${outDir}/sweep-plan.json`. Index I of a batch array is job I of the plan, so every array
 * task must see the same list: the plan is expanded once (by `ninr sweep --executor index` or
 * the first task) and read back, checked (same spec hash, every job's hash its content's), by
 * the others. A damaged or foreign plan file is replaced by a fresh expansion.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { NinrError } from "../../errors.ts";
import { type Job, jobIntact } from "../../experiments/jobs.ts";
import { writeJsonAtomic } from "../atomic.ts";
import type { DataOptions } from "../env.ts";
import { expandSweep } from "./expand.ts";
import { type SweepSpec, specHash } from "./spec.ts";

export const PLAN_FILE = "sweep-plan.json";

export type SweepPlan = { specHash: string; spec: SweepSpec; jobs: Job[]; meta: Record<string, unknown> };

/** The plan in `outDir`, or null when it is missing, damaged, or belongs to another spec. */
export function readPlan(outDir: string, spec: SweepSpec): SweepPlan | null {
  const file = join(outDir, PLAN_FILE);
  if (!existsSync(file)) return null;
  try {
    const p = JSON.parse(readFileSync(file, "utf8")) as SweepPlan;
    if (!p || p.specHash !== specHash(spec) || !Array.isArray(p.jobs) || p.jobs.length === 0) return null;
    if (!p.jobs.every((j) => j && typeof j === "object" && typeof j.hash === "string" && jobIntact(j))) return null;
    return { specHash: p.specHash, spec, jobs: p.jobs, meta: p.meta && typeof p.meta === "object" ? p.meta : {} };
  } catch {
    return null;
  }
}

/** The plan of `spec` in `outDir`: read back when it is there and sound, else expanded and written. */
export async function planSweep(spec: SweepSpec, outDir: string, opts: { data?: DataOptions; log?: (s: string) => void } = {}): Promise<SweepPlan> {
  const existing = readPlan(outDir, spec);
  if (existing) return existing;
  const { jobs, meta } = await expandSweep(spec, { outDir, data: opts.data, log: opts.log });
  if (jobs.length === 0) throw new NinrError("the sweep spec expands to no jobs");
  const unique = [...new Map(jobs.map((j) => [j.hash, j])).values()];
  const plan: SweepPlan = { specHash: specHash(spec), spec, jobs: unique, meta };
  writeJsonAtomic(join(outDir, PLAN_FILE), plan);
  return plan;
}

/** One row of `${outDir}/sweep.json`. */
export type SweepJobRecord = { hash: string; status: "done" | "failed"; attempts: number; summary: Record<string, unknown> | null; error?: string };

/** Write `${outDir}/sweep.json`: the machine-readable end of every sweep, whatever the executor. */
export function writeSweepRecord(outDir: string, spec: SweepSpec, executor: string, jobs: SweepJobRecord[]): void {
  writeJsonAtomic(join(outDir, "sweep.json"), { spec, executor, jobs });
}
