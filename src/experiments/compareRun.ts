/**
 * One cell of the comparison: train a method's model for one seed, then measure its clean and
 * corrupted test accuracy. The run folder gets the usual files plus robustness.json; summary.json
 * (written last) carries the method name and the robustness summary.
 */
import { tree } from "@jax-js/jax";
import { resolveConfig } from "../config.ts";
import { loadDataset } from "../data/fashion.ts";
import { train } from "../train/loop.ts";
import { prepareData, summarize, writeRunConfig, writeRunFolder } from "../train/run.ts";
import type { CompareJobArgs } from "./compare.ts";
import { allConditions, evaluateConditions, summarizeRobustness } from "./robustness.ts";

export async function runCompareJob(a: CompareJobArgs, dir: string): Promise<void> {
  const cfg = resolveConfig(a.config as Record<string, unknown>);
  const ds = loadDataset({ dataDir: a.dataDir, allowSample: a.allowSample ?? false });
  writeRunConfig(dir, cfg, ds);
  const result = await train(cfg, prepareData(ds, cfg));
  const n = a.testSubset > 0 ? Math.min(a.testSubset, ds.test.n) : ds.test.n;
  // The same test images and corruption seeds for every method and seed (seed 0 of the suite).
  const test = { images: ds.test.images.subarray(0, n * 784), labels: ds.test.labels.subarray(0, n) };
  const [rows] = await evaluateConditions([{ fns: result.fns, params: result.params }], test, allConditions({ gaussianModes: a.gaussianModes, severities: a.severities }));
  const robustness = summarizeRobustness(rows);
  const summary = { ...summarize(result, ds, cfg.epochs), method: a.method, model: cfg.model, seed: cfg.seed, sigma: cfg.nin === "none" ? null : cfg.sigma, robustness, test_images: n };
  await writeRunFolder(dir, cfg, result, summary, { files: { "robustness.json": { test_images: n, summary: robustness, conditions: rows } } });
  tree.dispose(result.params);
  result.fns.dispose();
}
