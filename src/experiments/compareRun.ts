/**
 * One cell of the comparison (docs/method.md §4, E2/E3): train a method's model for one seed,
 * then measure its clean and corrupted test accuracy. The record gets the usual files plus
 * robustness.json; its summary carries the method name and the robustness summary.
 */
import { type RunConfig, resolveConfig } from "../config.ts";
import { head } from "../data/dataset.ts";
import { disposeResult, train } from "../train/loop.ts";
import { checkDataLimits, prepareData } from "../train/prepare.ts";
import { type JobEnv, type RunRecord, configRecord, paramsRecord, summarize } from "./record.ts";
import { allConditions, evaluateConditions, summarizeRobustness } from "./robustness.ts";

export type CompareJobSpec = {
  method: string;
  config: Partial<RunConfig>;
  /** Test images evaluated (0 = all). */
  testSubset: number;
  gaussianModes: ("clipped" | "unclipped")[];
  severities: number[];
};

export async function runCompareJob(a: CompareJobSpec, env: JobEnv): Promise<RunRecord> {
  const cfg = resolveConfig(a.config as Record<string, unknown>);
  const ds = env.dataset(cfg.dataset);
  checkDataLimits(ds, cfg);
  const result = await train(cfg, ds, prepareData(ds, cfg), { clock: env.clock });
  // The same test images and corruption seeds for every method and seed (seed 0 of the suite).
  const test = head(ds, ds.test, a.testSubset > 0 ? a.testSubset : ds.test.n);
  const [rows] = await evaluateConditions([{ fns: result.fns, params: result.params, state: result.state }], ds, test, allConditions({ gaussianModes: a.gaussianModes, severities: a.severities }));
  const robustness = summarizeRobustness(rows);
  const summary = { ...summarize(result, ds, cfg.epochs, env.runtime), method: a.method, model: cfg.model, seed: cfg.seed, sigma: cfg.nin === "none" ? null : cfg.sigma, robustness, test_images: test.n };
  const params = await paramsRecord(cfg, result.params, result.state);
  disposeResult(result);
  return { config: configRecord(cfg, ds), metrics: result.metrics, files: { "robustness.json": { test_images: test.n, summary: robustness, conditions: rows } }, params, summary };
}
