/**
 * E3 robustness (spec 4): accuracy of trained models on the clean test set, on the additive
 * Gaussian grid (unclipped and clipped) and on every corruption x severity of the suite in
 * src/corrupt/. Each corrupted test set is made once and shared by every model evaluated with it.
 */
import { numpy as np, tree } from "@jax-js/jax";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type RunConfig, resolveConfig } from "../config.ts";
import { CORRUPTION_NAMES, GAUSSIAN_GRID, GAUSSIAN_GRID_MODES, SEVERITIES, additiveGaussian, corrupt } from "../corrupt/index.ts";
import { NinrError } from "../errors.ts";
import { DENSE_LAYOUT, type HostTensor, decodeSafetensors } from "../io/safetensors.ts";
import { paramShapes } from "../models/arch.ts";
import { type Params, isWeight } from "../models/network.ts";
import { evaluate } from "../train/evaluate.ts";
import { type StepFns, makeStepFns } from "../train/step.ts";

export type Condition = { condition: string; family: "clean" | "gaussian" | "corruption"; level: number; mode?: string };
export type ConditionResult = Condition & { acc: number; loss: number };

/** Every E3 condition: clean, the Gaussian grid in both modes (s > 0), 9 corruptions x 5 severities. */
export function allConditions(opts: { gaussianModes?: readonly string[]; severities?: readonly number[] } = {}): Condition[] {
  const out: Condition[] = [{ condition: "clean", family: "clean", level: 0 }];
  for (const mode of opts.gaussianModes ?? GAUSSIAN_GRID_MODES) for (const s of GAUSSIAN_GRID) if (s > 0) out.push({ condition: `gaussian_${mode}`, family: "gaussian", level: s, mode });
  for (const name of CORRUPTION_NAMES) for (const sev of opts.severities ?? SEVERITIES) out.push({ condition: name, family: "corruption", level: sev });
  return out;
}

/** The corrupted test images of one condition (pure; seeded). */
export function conditionImages(images: Float32Array, c: Condition, seed: number): Float32Array {
  if (c.family === "clean") return images;
  if (c.family === "gaussian") return additiveGaussian(images, c.level, c.mode as "clipped" | "unclipped", seed);
  return corrupt(images, c.condition, c.level, seed);
}

/** A seed fixed by the condition itself (FNV-1a of its name and level), not by list order. */
export function conditionSeed(c: Condition, seed: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${c.condition}:${c.level}:${seed}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export type LoadedRun = { dir: string; cfg: RunConfig; params: Params; fns: StepFns };

/** Load a run folder written by `ninr train` (config.json + params.safetensors) onto the device. */
export function loadRun(dir: string): LoadedRun {
  const cfgPath = join(dir, "config.json");
  const pPath = join(dir, "params.safetensors");
  if (!existsSync(cfgPath)) throw new NinrError(`${dir} is not a run folder: config.json is missing (make one with 'ninr train --out ${dir}')`);
  if (!existsSync(pPath)) throw new NinrError(`${dir} has no params.safetensors; the run did not finish or was written without parameters`);
  const raw = JSON.parse(readFileSync(cfgPath, "utf8"));
  delete raw.data_source;
  delete raw.data_dir;
  const cfg = resolveConfig(raw);
  const { tensors, metadata } = decodeSafetensors(readFileSync(pPath), pPath);
  // Files written before dense weights were stored [n_out, n_in] have no dense_layout key.
  const layout = metadata.dense_layout;
  if (layout !== undefined && layout !== DENSE_LAYOUT) throw new NinrError(`${pPath}: unknown dense_layout '${layout}' (this version reads '${DENSE_LAYOUT}' and files without the key)`);
  const expected = paramShapes(cfg);
  const host: Record<string, HostTensor> = {};
  for (const [k, t0] of Object.entries(tensors)) {
    const t = layout === undefined && isWeight(k) && t0.shape.length === 2 ? transposeHost(t0) : t0;
    const want = expected[k];
    if (!want) throw new NinrError(`${pPath}: unexpected parameter '${k}' for a ${cfg.model} with nin=${cfg.nin} (config.json and params.safetensors do not belong together)`);
    if (want.join(",") !== t.shape.join(",")) throw new NinrError(`${pPath}: '${k}' has shape [${t.shape}], the config's network needs [${want}]`);
    host[k] = t;
  }
  const missing = Object.keys(expected).filter((k) => !(k in host));
  if (missing.length) throw new NinrError(`${pPath}: missing parameters ${missing.join(", ")}`);
  const params: Params = {};
  for (const [k, t] of Object.entries(host)) params[k] = np.array(t.data).reshape(t.shape);
  return { dir, cfg, params, fns: makeStepFns(cfg) };
}

/** [a, b] -> [b, a] on the host. */
function transposeHost(t: HostTensor): HostTensor {
  const [a, b] = t.shape;
  const data = new Float32Array(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) data[j * a + i] = t.data[i * b + j];
  return { shape: [b, a], data };
}

export function disposeRun(r: LoadedRun): void {
  tree.dispose(r.params);
  r.fns.dispose();
}

export type RobustnessSummary = {
  clean_acc: number;
  /** Mean accuracy over the 9 corruptions x the evaluated severities (all 5 unless a preset says otherwise). */
  corruption_mean_acc: number | null;
  /** Mean accuracy per corruption (over severities). */
  per_corruption: Record<string, number>;
  /** s -> accuracy, clipped and unclipped. */
  gaussian_clipped: Record<string, number>;
  gaussian_unclipped: Record<string, number>;
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
    gaussian_clipped: gmap("clipped"),
    gaussian_unclipped: gmap("unclipped"),
    relative_corruption_error: rel,
    baseline: baseline?.name ?? null,
  };
}

/**
 * Evaluate several models on every condition; each corrupted test set is built once.
 * Borrows the models' params. `onCondition` reports progress.
 */
export async function evaluateConditions(
  models: { fns: StepFns; params: Params }[],
  test: { images: Float32Array; labels: Uint8Array },
  conditions: Condition[],
  opts: { seed?: number; onCondition?: (done: number, total: number, c: Condition) => void } = {},
): Promise<ConditionResult[][]> {
  const out: ConditionResult[][] = models.map(() => []);
  for (const [i, c] of conditions.entries()) {
    const images = conditionImages(test.images, c, conditionSeed(c, opts.seed ?? 0));
    for (const [m, model] of models.entries()) {
      const r = await evaluate(model.fns, model.params, images, test.labels);
      out[m].push({ ...c, acc: r.acc, loss: r.loss });
    }
    opts.onCondition?.(i + 1, conditions.length, c);
  }
  return out;
}
