/**
 * NINR sigmas of the detector experiment, chosen from measured curvature as `ninr compare` does
 * (compareSigmas.ts): for every noise kind, phase and seed, the sigma whose k = eta * lambda_noise
 * at that seed's own initialization is ~1 (decay) or ~3 (catapult). For a field noise the
 * curvature is measured with that field (docs/method.md §6.1), so each kind gets its own sigma.
 * `parseDetectorSigmas` reads a cache back as untrusted: anything not of this preset is dropped.
 */
import { tree } from "@jax-js/jax";
import { resolveConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import { budgetBatchSize } from "../dynamics/budgets.ts";
import { makeSigmaMeter } from "../dynamics/kOfSigma.ts";
import { TARGET_K, sigmaFor } from "../dynamics/predict.ts";
import { streamSeed } from "../engine/keys.ts";
import { buildNetwork } from "../models/network.ts";
import { initialParams } from "../train/loop.ts";
import { prepareData } from "../train/prepare.ts";
import { checkSigmaTolerance } from "./compareSigmas.ts";
import { type DetectorPreset, type DetectorSigma, baseConfig, presetNoises } from "./detector.ts";

export async function chooseDetectorSigmas(p: DetectorPreset, seed: number, ds: Dataset, log: (s: string) => void = () => {}): Promise<DetectorSigma[]> {
  const search = p.sigmaSearch;
  checkSigmaTolerance(search.tol);
  const out: DetectorSigma[] = [];
  for (const { noise, phases } of presetNoises(p)) {
    const cfg = resolveConfig({ ...baseConfig(p, seed), nin: "input", noise, sigma: 1 } as Record<string, unknown>);
    const data = prepareData(ds, cfg);
    const { params, state } = initialParams(cfg, ds);
    const batchSize = budgetBatchSize(search, buildNetwork(cfg, ds));
    // One meter for every phase of this noise kind: its compiled programs serve every sigma (kOfSigma.ts).
    const meter = makeSigmaMeter(cfg, ds, params, state, data.train, { batches: search.batches, batchSize, iters: search.iters });
    try {
      for (const phase of phases) {
        let i = 0;
        const measure = (sigma: number) => meter.k(sigma, streamSeed(seed, `detector/sigma-search/${noise}/${phase}/${i++}`));
        const prev = out.find((c) => c.noise === noise);
        const sigma0 = prev && prev.k > 0 ? prev.sigma * Math.sqrt(TARGET_K[phase] / prev.k) : 1;
        const r = await sigmaFor(TARGET_K[phase], measure, { tol: search.tol, maxMeasurements: search.maxMeasurements, sigma0 });
        log(`  seed ${seed} NINR ${noise} ${phase}: sigma ${r.sigma.toPrecision(3)} (k ${r.k.toFixed(2)}, ${r.history.length} measurements${r.converged ? "" : ", not converged"})`);
        out.push({ noise, phase, seed, sigma: Number(r.sigma.toPrecision(4)), target_k: TARGET_K[phase], k: r.k, converged: r.converged });
      }
    } finally {
      meter.dispose();
      tree.dispose(params);
      tree.dispose(state);
    }
  }
  return out;
}

/** The usable sigmas of a cache file's text for preset `p` (null text: no file). Never throws. */
export function parseDetectorSigmas(text: string | null, p: DetectorPreset): DetectorSigma[] {
  if (!text) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return [];
  }
  const r = raw as { preset?: unknown; lr?: unknown; width?: unknown; model?: unknown; sigmas?: unknown };
  if (!r || typeof r !== "object" || r.preset !== p.name || r.lr !== p.lr || r.width !== p.width || r.model !== p.model || !Array.isArray(r.sigmas)) return [];
  const ok = (v: unknown): v is DetectorSigma => {
    const s = v as DetectorSigma;
    return !!s && typeof s.noise === "string" && (s.phase === "decay" || s.phase === "catapult") && Number.isInteger(s.seed) && Number.isFinite(s.sigma) && s.sigma > 0 && Number.isFinite(s.k) && typeof s.converged === "boolean" && s.target_k === TARGET_K[s.phase];
  };
  return r.sigmas.filter(ok);
}

export function detectorSigmaCache(p: DetectorPreset, sigmas: DetectorSigma[]) {
  return { preset: p.name, model: p.model, width: p.width, lr: p.lr, sigmas };
}
