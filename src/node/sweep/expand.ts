/**
 * A sweep spec -> its typed jobs, through the experiments' own expansions (phaseJobs,
 * compareCells/compareJobs, makeJob): a job's hash is its identity, so the same spec gives the
 * same jobs on every machine and every executor. Deterministic: phases and compare read the
 * data set's shape and size (fitSize) only; compare's NINR sigmas come from measured curvature
 * at initialization, cached in `${outDir}/sigmas.json` as `ninr compare` caches them, and
 * detector's likewise (`detectorExpansion`, which `ninr detector` itself uses).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "../../config.ts";
import type { Dataset } from "../../data/dataset.ts";
import { NinrError } from "../../errors.ts";
import { COMPARE_PRESETS, type ComparePreset, compareCells, compareJobs, methodOrder } from "../../experiments/compare.ts";
import { type ChosenSigma, checkSigmaTolerance, chooseSigmas, parseSigmaCache, sigmaCache } from "../../experiments/compareSigmas.ts";
import { DETECTOR_PRESETS, type DetectorCell, type DetectorPreset, type DetectorSigma, detectorCells, detectorJobs } from "../../experiments/detector.ts";
import { chooseDetectorSigmas, detectorSigmaCache, parseDetectorSigmas } from "../../experiments/detectorSigmas.ts";
import { type Job, makeJob } from "../../experiments/jobs.ts";
import { PHASES_PRESETS, type PhasesPreset, phaseJobs } from "../../experiments/phases.ts";
import { fitSize } from "../../train/prepare.ts";
import { writeJsonAtomic } from "../atomic.ts";
import { loadDataset } from "../data/fashionFiles.ts";
import { type DataOptions, loadNamedDataset } from "../env.ts";
import { type DetectorSweepSpec, MAX_JOBS, type SweepSpec, type TrainGridSpec } from "./spec.ts";

export type Expansion = {
  jobs: Job[];
  /** What the experiment's report needs besides the runs (the preset, compare's method order and sigmas). */
  meta: Record<string, unknown>;
};

const seedList = (n: number | undefined, fallback: number[]) => (n ? Array.from({ length: n }, (_, i) => i) : fallback);

/** The Cartesian product of a train grid, keys in sorted order (the order never changes a hash). */
export function trainGridJobs(spec: TrainGridSpec): Job<"train">[] {
  const keys = Object.keys(spec.grid).sort();
  let configs: Record<string, unknown>[] = [{ ...spec.base }];
  for (const k of keys) configs = configs.flatMap((c) => spec.grid[k].map((v) => ({ ...c, [k]: v })));
  if (configs.length > MAX_JOBS) throw new NinrError(`train-grid: ${configs.length} runs is more than ${MAX_JOBS}; split the sweep`);
  return configs.map((config) => {
    try {
      resolveConfig(config);
    } catch (e) {
      throw e instanceof NinrError ? new NinrError(`train-grid run ${JSON.stringify(Object.fromEntries(keys.map((k) => [k, config[k]])))}: ${e.message}`) : e;
    }
    const s: { config: Record<string, unknown>; saveParams?: boolean; curvature?: boolean } = { config };
    if (spec.saveParams !== undefined) s.saveParams = spec.saveParams;
    if (spec.curvature !== undefined) s.curvature = spec.curvature;
    return makeJob("train", s);
  });
}

export function phasesPresetOf(spec: Extract<SweepSpec, { experiment: "phases" }>): PhasesPreset {
  const base = PHASES_PRESETS[spec.preset];
  return {
    ...base,
    models: spec.models ?? base.models,
    inits: spec.inits ?? base.inits,
    lrs: spec.lrs ?? base.lrs,
    seeds: seedList(spec.seeds, base.seeds),
    optimizer: spec.optimizer ?? base.optimizer,
    epochs: spec.epochs ?? base.epochs,
    momentum: spec.momentum ?? base.momentum,
  };
}

export function detectorPresetOf(spec: DetectorSweepSpec): DetectorPreset {
  const base = DETECTOR_PRESETS[spec.preset];
  return { ...base, seeds: seedList(spec.seeds, base.seeds), epochs: spec.epochs ?? base.epochs, width: spec.width ?? base.width, trainSize: spec.trainSize ?? base.trainSize };
}

export function comparePresetOf(spec: Extract<SweepSpec, { experiment: "compare" }>): ComparePreset {
  const base = COMPARE_PRESETS[spec.preset];
  const epochs = spec.epochs;
  return {
    ...base,
    models: spec.models ?? base.models,
    inits: spec.inits ?? base.inits,
    seeds: seedList(spec.seeds, base.seeds),
    budget: epochs ? Object.fromEntries(Object.entries(base.budget).map(([m, b]) => [m, { ...b, epochs }])) : base.budget,
  };
}

function readText(file: string): string | null {
  if (!existsSync(file)) return null;
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Compare's jobs: sigmas from curvature (cached in outDir/sigmas.json, damaged caches recomputed), then the preset's cells. */
async function compareExpansion(p: ComparePreset, ds: Dataset, outDir: string, log: (s: string) => void): Promise<Expansion> {
  checkSigmaTolerance(p.sigmaSearch.tol);
  const file = join(outDir, "sigmas.json");
  const cached = parseSigmaCache(readText(file), p, file);
  if (cached.warning) log(`warning: ${cached.warning}`);
  const sigmas: ChosenSigma[] = cached.sigmas;
  for (const model of p.models)
    for (const init of p.inits)
      for (const seed of p.seeds) {
        if (sigmas.some((s) => s.model === model && s.init === init && s.seed === seed)) continue;
        log(`sweep: choosing NINR sigmas for ${model}, init ${init}, seed ${seed} from measured curvature at initialization`);
        sigmas.push(...(await chooseSigmas(p, model, init, seed, ds, log)));
        writeJsonAtomic(file, sigmaCache(p, sigmas));
      }
  if (cached.warning) writeJsonAtomic(file, sigmaCache(p, sigmas));
  const used = sigmas.filter((s) => p.models.includes(s.model) && p.inits.includes(s.init) && p.seeds.includes(s.seed));
  const cells = await compareCells(p, used, fitSize(ds), ds);
  const order = methodOrder(cells);
  return { jobs: compareJobs(p, cells), meta: { preset: p.name, methodOrder: order, inits: p.inits, sigmas: used, presetConfig: p, methods: cells } };
}

/**
 * Detector's jobs: per seed, the NINR sigmas from curvature at that seed's initialization
 * (cached in outDir/sigmas.json; what the cache lacks is measured and added), then the preset's
 * cells. `ninr detector` calls this too, so the verb and a detector sweep give the same jobs.
 */
export async function detectorExpansion(p: DetectorPreset, nominal: Dataset, outDir: string, log: (s: string) => void): Promise<{ sigmas: DetectorSigma[]; cells: DetectorCell[]; jobs: Job<"train">[] }> {
  const sigmaFile = join(outDir, "sigmas.json");
  const sigmas = parseDetectorSigmas(readText(sigmaFile), p).filter((s) => p.seeds.includes(s.seed));
  for (const seed of p.seeds) {
    if (sigmas.some((s) => s.seed === seed)) continue;
    log(`detector: choosing NINR sigmas for seed ${seed} from measured curvature at its initialization (k ~ 1 decay, ~ 3 catapult)`);
    sigmas.push(...(await chooseDetectorSigmas(p, seed, nominal, log)));
    writeJsonAtomic(sigmaFile, detectorSigmaCache(p, sigmas));
  }
  const cells = detectorCells(p, sigmas);
  return { sigmas, cells, jobs: detectorJobs(cells) };
}

/** Expand a spec into its jobs. `outDir` holds compare's sigma cache; `data` says where this machine's data is. */
export async function expandSweep(spec: SweepSpec, opts: { outDir: string; data?: DataOptions; log?: (s: string) => void }): Promise<Expansion> {
  const log = opts.log ?? (() => {});
  switch (spec.experiment) {
    case "train-grid":
      return { jobs: trainGridJobs(spec), meta: {} };
    case "detector": {
      const { sigmas, jobs } = await detectorExpansion(detectorPresetOf(spec), loadNamedDataset("calo"), opts.outDir, log);
      return { jobs, meta: { preset: spec.preset, sigmas } };
    }
    case "echo":
      return { jobs: Array.from({ length: spec.count }, (_, i) => makeJob("echo", { ms: spec.ms, tag: String(i) })), meta: {} };
    case "phases":
    case "compare": {
      const ds = loadDataset({ dataDir: opts.data?.dataDir, allowSample: Boolean(opts.data?.allowSample ?? spec.allowSample) });
      if (ds.source === "sample") log("note: full Fashion-MNIST not found; the sweep runs on the bundled sample");
      if (spec.experiment === "phases") {
        const preset = phasesPresetOf(spec);
        return { jobs: phaseJobs(preset, ds, { fitSize: fitSize(ds), sigmas: spec.sigmas }), meta: { preset } };
      }
      return compareExpansion(comparePresetOf(spec), ds, opts.outDir, log);
    }
  }
}
