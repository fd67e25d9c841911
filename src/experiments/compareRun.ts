/**
 * One cell of the comparison (docs/method.md §4.2-§4.3, E2/E3): train a method's model for one
 * init and seed, then measure its clean and corrupted test accuracy. The record gets the usual
 * files plus robustness.json; its summary carries the method, the model, the init, the seed, the
 * sigma choice (the k it achieved at this seed's initialization), the holdout accuracy's peak over
 * the epochs, and the robustness summary.
 */
import { type RunConfig, resolveConfig } from "../config.ts";
import { head } from "../data/dataset.ts";
import { type Metric, disposeResult, train } from "../train/loop.ts";
import { checkDataLimits, prepareData } from "../train/prepare.ts";
import { type JobEnv, type RunRecord, configRecord, paramsRecord, summarize } from "./record.ts";
import { allConditions, evaluateConditions, summarizeRobustness } from "./robustness.ts";

/** How a NINR (or matched-CDT) job's sigma was chosen: the target, the k reached, whether the search converged. */
export type SigmaChoice = { nin: "input" | "all"; phase: "decay" | "catapult"; sigma: number; target_k: number; k: number; converged: boolean };

export type CompareJobSpec = {
  method: string;
  config: Partial<RunConfig>;
  /** Test images evaluated (0 = all). */
  testSubset: number;
  /** Additive Gaussian grid modes, in table order (the presets lead with unclipped, the spec's metric). */
  gaussianModes: ("clipped" | "unclipped")[];
  severities: number[];
  /** NINR rows and matched CDT: the sigma choice they came from (recorded in the summary as `sigma_choice`). */
  sigmaChoice?: SigmaChoice;
};

export type HoldoutPeak = {
  /** 1-based epoch (epochs trained) at which holdout accuracy was highest (the first, on ties); null without a holdout. */
  peak_epoch: number | null;
  peak_holdout_acc: number | null;
  /** Epochs that ran (fewer than configured when the run diverged). */
  epochs_run: number;
};

/** Where a run's holdout accuracy curve (its epoch metrics) peaks. Non-finite accuracies are skipped. */
export function holdoutPeak(metrics: readonly Metric[]): HoldoutPeak {
  let peak: { epoch: number; acc: number } | null = null;
  let epochs = 0;
  for (const m of metrics) {
    if (m.kind !== "epoch") continue;
    epochs++;
    const a = m.holdout_acc;
    if (a !== null && Number.isFinite(a) && (peak === null || a > peak.acc)) peak = { epoch: m.epoch + 1, acc: a };
  }
  return { peak_epoch: peak?.epoch ?? null, peak_holdout_acc: peak?.acc ?? null, epochs_run: epochs };
}

export async function runCompareJob(a: CompareJobSpec, env: JobEnv): Promise<RunRecord> {
  const cfg = resolveConfig(a.config as Record<string, unknown>);
  const ds = env.dataset(cfg.dataset);
  checkDataLimits(ds, cfg);
  const result = await train(cfg, ds, prepareData(ds, cfg), { clock: env.clock });
  // The same test images and corruption seeds for every method and seed (seed 0 of the suite).
  const test = head(ds, ds.test, a.testSubset > 0 ? a.testSubset : ds.test.n);
  const [rows] = await evaluateConditions([{ fns: result.fns, params: result.params, state: result.state }], ds, test, allConditions({ gaussianModes: a.gaussianModes, severities: a.severities }));
  const robustness = summarizeRobustness(rows);
  const summary = {
    ...summarize(result, ds, cfg.epochs, env.runtime),
    method: a.method,
    model: cfg.model,
    init: cfg.init,
    seed: cfg.seed,
    sigma: cfg.nin === "none" ? null : cfg.sigma,
    cdt: cfg.cdt > 0 ? cfg.cdt : null,
    sigma_choice: a.sigmaChoice ?? null,
    epochs: cfg.epochs,
    ...holdoutPeak(result.metrics),
    robustness,
    test_images: test.n,
  };
  const params = await paramsRecord(cfg, result.params, result.state);
  disposeResult(result);
  return { config: configRecord(cfg, ds), metrics: result.metrics, files: { "robustness.json": { test_images: test.n, summary: robustness, conditions: rows } }, params, summary };
}
