/**
 * The sweep spec: one JSON file naming an experiment and its grid, the same file for every
 * executor (local processes, a Redis queue, a batch scheduler's index). docs/scale-out.md
 * documents it. A spec is untrusted input: every key is checked, and an error names the key,
 * the value and what is allowed (a NinrError: the CLI prints one line and exits 2).
 *
 *   { "experiment": "train-grid", "base": {<config keys>}, "grid": {"sigma": [0.1, 1], "seed": [0, 1]},
 *     "saveParams": false, "curvature": false }
 *   { "experiment": "phases",  "preset": "quick", "sigmas": [1, 10], "lrs": [0.01], "seeds": 2, "models": ["mlp"], "inits": ["pytorch"] }
 *   { "experiment": "compare", "preset": "quick", "seeds": 2, "models": ["mlp"], "inits": ["pytorch"], "epochs": 1 }
 *   { "experiment": "detector", "preset": "quick", "seeds": 2, "epochs": 3, "width": 4, "trainSize": 4000 }
 *   { "experiment": "echo", "count": 4, "ms": 500 }          (diagnostic: checks an executor setup)
 * Every spec may carry "allowSample": true (fall back to the bundled data sample).
 */
import { readFileSync } from "node:fs";
import { CONFIG_KEYS, type OptimizerName, resolveConfig } from "../../config.ts";
import { WEIGHT_INITS, type WeightInit } from "../../engine/init.ts";
import { NinrError } from "../../errors.ts";
import { COMPARE_PRESETS } from "../../experiments/compare.ts";
import { DETECTOR_PRESETS } from "../../experiments/detector.ts";
import { PHASES_PRESETS } from "../../experiments/phases.ts";
import { contentHash } from "../../hash.ts";
import { modelNames } from "../../models/registry.ts";

export type TrainGridSpec = {
  experiment: "train-grid";
  /** Config keys shared by every run (camelCase, as in config.json). */
  base: Record<string, unknown>;
  /** Config key -> the values it takes; the runs are the Cartesian product (keys in sorted order). */
  grid: Record<string, unknown[]>;
  saveParams?: boolean;
  curvature?: boolean;
};
export type PhasesSweepSpec = { experiment: "phases"; preset: string; sigmas?: number[]; lrs?: number[]; seeds?: number; models?: string[]; inits?: WeightInit[]; optimizer?: OptimizerName; momentum?: number; epochs?: number };
export type CompareSweepSpec = { experiment: "compare"; preset: string; seeds?: number; models?: string[]; inits?: WeightInit[]; epochs?: number };
/** `ninr detector`'s jobs (the training runs; its evaluation and report run where `ninr detector` runs). */
export type DetectorSweepSpec = { experiment: "detector"; preset: string; seeds?: number; epochs?: number; width?: number; trainSize?: number };
export type EchoSweepSpec = { experiment: "echo"; count: number; ms: number };
export type SweepSpec = (TrainGridSpec | PhasesSweepSpec | CompareSweepSpec | DetectorSweepSpec | EchoSweepSpec) & { allowSample?: boolean };

export const EXPERIMENTS = ["train-grid", "phases", "compare", "detector", "echo"] as const;
const KEYS: Record<(typeof EXPERIMENTS)[number], string[]> = {
  "train-grid": ["base", "grid", "saveParams", "curvature"],
  phases: ["preset", "sigmas", "lrs", "seeds", "models", "inits", "optimizer", "momentum", "epochs"],
  compare: ["preset", "seeds", "models", "inits", "epochs"],
  detector: ["preset", "seeds", "epochs", "width", "trainSize"],
  echo: ["count", "ms"],
};
/** Most jobs one spec may expand to (a typo in a grid should not enqueue a million runs). */
export const MAX_JOBS = 100_000;

const show = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 80);

function fail(where: string, key: string, v: unknown, allowed: string): never {
  throw new NinrError(`${where}: '${key}' is ${show(v)}; ${allowed}`);
}

function positiveNumbers(where: string, key: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== "number" || !Number.isFinite(x) || x <= 0)) fail(where, key, v, "it must be a non-empty list of numbers > 0");
  return v as number[];
}

function count(where: string, key: string, v: unknown, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > max) fail(where, key, v, `it must be a whole number from 1 to ${max}`);
  return v;
}

function words<T extends string>(where: string, key: string, v: unknown, allowed: readonly T[]): T[] {
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => !allowed.includes(x as T))) fail(where, key, v, `it must be a non-empty list of ${allowed.join("|")}`);
  return [...new Set(v as T[])];
}

/** Validate a parsed spec (`where` names its file in messages). Returns it with only known keys. */
export function checkSweepSpec(raw: unknown, where = "sweep spec"): SweepSpec {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new NinrError(`${where} must be a JSON object with an "experiment" key (${EXPERIMENTS.join("|")}), got ${show(raw)}`);
  const o = raw as Record<string, unknown>;
  const exp = o.experiment;
  if (!EXPERIMENTS.includes(exp as (typeof EXPERIMENTS)[number])) fail(where, "experiment", exp, `allowed: ${EXPERIMENTS.join("|")}`);
  const kind = exp as (typeof EXPERIMENTS)[number];
  const allowed = ["experiment", "allowSample", ...KEYS[kind]];
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new NinrError(`${where}: unknown key '${k.slice(0, 80)}' for experiment '${kind}'; allowed keys: ${allowed.join(", ")}`);
  if (o.allowSample !== undefined && typeof o.allowSample !== "boolean") fail(where, "allowSample", o.allowSample, "it must be true or false");
  const common = o.allowSample === undefined ? {} : { allowSample: o.allowSample as boolean };
  switch (kind) {
    case "train-grid": {
      const base = o.base ?? {};
      if (!base || typeof base !== "object" || Array.isArray(base)) fail(where, "base", base, "it must be an object of config keys");
      const grid = o.grid;
      if (!grid || typeof grid !== "object" || Array.isArray(grid) || Object.keys(grid).length === 0) fail(where, "grid", grid, 'it must be an object of config key -> list of values, e.g. {"seed": [0, 1]}');
      let n = 1;
      for (const [k, vals] of Object.entries(grid as Record<string, unknown>)) {
        if (!(CONFIG_KEYS as readonly string[]).includes(k)) throw new NinrError(`${where}: grid key '${k.slice(0, 80)}' is not a config key; known keys: ${CONFIG_KEYS.join(", ")}`);
        if (!Array.isArray(vals) || vals.length === 0) fail(where, `grid.${k}`, vals, "it must be a non-empty list of values");
        if (Object.hasOwn(base as object, k)) throw new NinrError(`${where}: '${k}' is both in base and in grid; keep it in one`);
        n *= vals.length;
        if (n > MAX_JOBS) throw new NinrError(`${where}: the grid has more than ${MAX_JOBS} runs; split the sweep`);
      }
      for (const k of ["saveParams", "curvature"]) if (o[k] !== undefined && typeof o[k] !== "boolean") fail(where, k, o[k], "it must be true or false");
      try {
        resolveConfig(base as Record<string, unknown>);
      } catch (e) {
        throw e instanceof NinrError ? new NinrError(`${where}: base: ${e.message}`) : e;
      }
      return { experiment: kind, base: base as Record<string, unknown>, grid: grid as Record<string, unknown[]>, saveParams: o.saveParams as boolean | undefined, curvature: o.curvature as boolean | undefined, ...common };
    }
    case "phases":
    case "compare": {
      const presets = kind === "phases" ? PHASES_PRESETS : COMPARE_PRESETS;
      const preset = o.preset ?? "quick";
      if (typeof preset !== "string" || !Object.hasOwn(presets, preset)) fail(where, "preset", preset, `allowed: ${Object.keys(presets).join("|")}`);
      const out: Record<string, unknown> = { experiment: kind, preset, ...common };
      if (o.seeds !== undefined) out.seeds = count(where, "seeds", o.seeds, 1000);
      if (o.models !== undefined) out.models = words(where, "models", o.models, modelNames());
      if (o.inits !== undefined) out.inits = words(where, "inits", o.inits, WEIGHT_INITS);
      if (kind === "phases") {
        if (o.sigmas !== undefined) out.sigmas = positiveNumbers(where, "sigmas", o.sigmas);
        if (o.lrs !== undefined) out.lrs = positiveNumbers(where, "lrs", o.lrs);
        if (o.optimizer !== undefined && o.optimizer !== "sgd" && o.optimizer !== "adam") fail(where, "optimizer", o.optimizer, "allowed: sgd|adam");
        if (o.optimizer !== undefined) out.optimizer = o.optimizer;
        if (o.momentum !== undefined && (typeof o.momentum !== "number" || !(o.momentum >= 0 && o.momentum <= 0.999))) fail(where, "momentum", o.momentum, "it must be a number from 0 to 0.999 (heavy-ball beta)");
        if (o.momentum !== undefined) out.momentum = o.momentum;
        if (out.optimizer === "adam" && o.momentum) fail(where, "momentum", o.momentum, "it applies to sgd; adam has its own b1 (0.9): drop it or use optimizer sgd");
      }
      if (o.epochs !== undefined) out.epochs = count(where, "epochs", o.epochs, 100000);
      return out as SweepSpec;
    }
    case "detector": {
      const preset = o.preset ?? "quick";
      if (typeof preset !== "string" || !Object.hasOwn(DETECTOR_PRESETS, preset)) fail(where, "preset", preset, `allowed: ${Object.keys(DETECTOR_PRESETS).join("|")}`);
      const out: Record<string, unknown> = { experiment: kind, preset, ...common };
      // The same ranges as `ninr detector`'s flags.
      if (o.seeds !== undefined) out.seeds = count(where, "seeds", o.seeds, 100);
      if (o.epochs !== undefined) out.epochs = count(where, "epochs", o.epochs, 10000);
      if (o.width !== undefined) out.width = count(where, "width", o.width, 1024);
      if (o.trainSize !== undefined && (typeof o.trainSize !== "number" || !Number.isInteger(o.trainSize) || o.trainSize < 0 || o.trainSize > 1e6)) fail(where, "trainSize", o.trainSize, "it must be a whole number from 0 (all) to 1000000");
      if (o.trainSize !== undefined) out.trainSize = o.trainSize;
      return out as SweepSpec;
    }
    case "echo":
      if (o.ms !== undefined && (typeof o.ms !== "number" || !Number.isInteger(o.ms) || o.ms < 0 || o.ms > 3_600_000)) fail(where, "ms", o.ms, "it must be a whole number of milliseconds from 0 to 3600000");
      return { experiment: kind, count: count(where, "count", o.count, MAX_JOBS), ms: (o.ms as number | undefined) ?? 0, ...common };
  }
}

/** Read and validate a spec file. */
export function readSweepSpec(file: string): SweepSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new NinrError(`sweep spec ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the path of a JSON file`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new NinrError(`sweep spec ${file} is not valid JSON (${(e as Error).message.split("\n")[0]})`);
  }
  return checkSweepSpec(raw, `sweep spec ${file}`);
}

/** The spec's identity: sweeps with the same spec share their plan and their queue records. */
export function specHash(spec: SweepSpec): string {
  return contentHash(spec);
}
