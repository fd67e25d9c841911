/**
 * E3 robustness (docs/method.md §4): accuracy of trained models on the clean test set, on the additive
 * Gaussian grid (unclipped and clipped) and on every corruption x severity of the suite in
 * src/corrupt/. Each corrupted test set is made once and shared by every model evaluated with it.
 */
import { CORRUPTION_NAMES, GAUSSIAN_GRID, GAUSSIAN_GRID_MODES, SEVERITIES, additiveGaussian, corrupt } from "../corrupt/index.ts";
import { type Dataset, type Split, imageShape, sampleSize } from "../data/dataset.ts";
import type { ModelState, Params } from "../models/model.ts";
import { evaluate } from "../train/evaluate.ts";
import type { StepFns } from "../train/step.ts";

export type Condition = { condition: string; family: "clean" | "gaussian" | "corruption"; level: number; mode?: string };
export type ConditionResult = Condition & { acc: number; loss: number };

/** Every E3 condition: clean, the Gaussian grid (s > 0) in the given modes, in their order (default: unclipped, then clipped), 9 corruptions x the severities (default 1-5). */
export function allConditions(opts: { gaussianModes?: readonly string[]; severities?: readonly number[] } = {}): Condition[] {
  const out: Condition[] = [{ condition: "clean", family: "clean", level: 0 }];
  for (const mode of opts.gaussianModes ?? GAUSSIAN_GRID_MODES) for (const s of GAUSSIAN_GRID) if (s > 0) out.push({ condition: `gaussian_${mode}`, family: "gaussian", level: s, mode });
  for (const name of CORRUPTION_NAMES) for (const sev of opts.severities ?? SEVERITIES) out.push({ condition: name, family: "corruption", level: sev });
  return out;
}

/** The corrupted test images of one condition (pure; seeded). Spatial corruptions need image data. */
export function conditionImages(info: Pick<Dataset, "inputShape" | "name">, images: Float32Array, c: Condition, seed: number): Float32Array {
  if (c.family === "clean") return images;
  if (c.family === "gaussian") return additiveGaussian(images, sampleSize(info), c.level, c.mode as "clipped" | "unclipped", seed);
  return corrupt(images, imageShape(info), c.condition, c.level, seed);
}

/** A seed fixed by the condition itself (FNV-1a of its name and level), not by list order. */
export function conditionSeed(c: Condition, seed: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${c.condition}:${c.level}:${seed}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export type RobustnessSummary = {
  clean_acc: number;
  /** Mean accuracy over the 9 corruptions x the evaluated severities (all 5 unless a preset says otherwise). */
  corruption_mean_acc: number | null;
  /** Mean accuracy per corruption (over severities). */
  per_corruption: Record<string, number>;
  /**
   * s -> accuracy on x + N(0, s^2): unclipped (the spec's metric, the headline) and clipped to
   * [0,1]. "0" is the clean accuracy; a mode that was not evaluated holds only "0".
   */
  gaussian_unclipped: Record<string, number>;
  gaussian_clipped: Record<string, number>;
  /** Sum of errors over corruptions and severities relative to a baseline's (mCE style); null without one. */
  relative_corruption_error: number | null;
  baseline: string | null;
};

export function summarizeRobustness(rows: ConditionResult[], baseline?: { name: string; rows: ConditionResult[] }): RobustnessSummary {
  const corr = rows.filter((r) => r.family === "corruption");
  const per: Record<string, number> = {};
  for (const name of new Set(corr.map((r) => r.condition))) {
    const rs = corr.filter((r) => r.condition === name);
    per[name] = rs.reduce((s, r) => s + r.acc, 0) / rs.length;
  }
  const gmap = (mode: string) => {
    const m: Record<string, number> = { "0": rows.find((r) => r.family === "clean")!.acc };
    for (const r of rows.filter((r) => r.family === "gaussian" && r.mode === mode)) m[String(r.level)] = r.acc;
    return m;
  };
  let rel: number | null = null;
  if (baseline) {
    const berr = baseline.rows.filter((r) => r.family === "corruption").reduce((s, r) => s + (1 - r.acc), 0);
    const err = corr.reduce((s, r) => s + (1 - r.acc), 0);
    rel = berr > 0 ? err / berr : null;
  }
  return {
    clean_acc: rows.find((r) => r.family === "clean")!.acc,
    corruption_mean_acc: corr.length ? corr.reduce((s, r) => s + r.acc, 0) / corr.length : null,
    per_corruption: per,
    gaussian_unclipped: gmap("unclipped"),
    gaussian_clipped: gmap("clipped"),
    relative_corruption_error: rel,
    baseline: baseline?.name ?? null,
  };
}

/**
 * Evaluate several models on every condition; each corrupted test set is built once.
 * Borrows the models' params and state. `onCondition` reports progress.
 */
export async function evaluateConditions(
  models: { fns: StepFns; params: Params; state: ModelState }[],
  info: Pick<Dataset, "inputShape" | "classes" | "name">,
  test: Split,
  conditions: Condition[],
  opts: { seed?: number; onCondition?: (done: number, total: number, c: Condition) => void } = {},
): Promise<ConditionResult[][]> {
  const out: ConditionResult[][] = models.map(() => []);
  for (const [i, c] of conditions.entries()) {
    const images = conditionImages(info, test.images, c, conditionSeed(c, opts.seed ?? 0));
    for (const [m, model] of models.entries()) {
      const r = await evaluate(model.fns, model.params, model.state, info, { images, labels: test.labels, n: test.n });
      out[m].push({ ...c, acc: r.acc, loss: r.loss });
    }
    opts.onCondition?.(i + 1, conditions.length, c);
  }
  return out;
}
