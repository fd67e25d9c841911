/**
 * The NINR sigmas of the comparison (docs/method.md §4.2): for every model, weight init and seed,
 * the sigma whose measured k = eta * lambda_noise at *that seed's own* initialization is ~1
 * (decay) and ~3 (catapult), for in-NINR and full-NINR (sigmaFor, docs/method.md §6.3). The
 * achieved k is kept with each choice. The search tolerance must keep the two targets' accepted
 * ranges apart and on their own sides of the catapult threshold (`checkSigmaTolerance`).
 *
 * `parseSigmaCache` reads a cached sigmas.json back: the file is untrusted, and anything that is not
 * a cache of this very search (other preset, rate, budget; corrupt, empty, older format) is
 * dropped with a warning, so the caller recomputes instead of failing.
 */
import { tree } from "@jax-js/jax";
import { resolveConfig } from "../config.ts";
import type { Dataset } from "../data/dataset.ts";
import { type CurvatureBudget, budgetBatchSize } from "../dynamics/budgets.ts";
import { makeSigmaMeter } from "../dynamics/kOfSigma.ts";
import { K_CATAPULT, TARGET_K, sigmaFor } from "../dynamics/predict.ts";
import { WEIGHT_INITS, type WeightInit } from "../engine/init.ts";
import { streamSeed } from "../engine/keys.ts";
import { NinrError } from "../errors.ts";
import { buildNetwork } from "../models/network.ts";
import { initialParams } from "../train/loop.ts";
import { prepareData } from "../train/prepare.ts";

export type SigmaPhase = "decay" | "catapult";

/** One sigma choice: the sigma of (model, init, seed, nin) for a phase, and the k it achieved. */
export type ChosenSigma = {
  model: string;
  init: WeightInit;
  seed: number;
  nin: "input" | "all";
  phase: SigmaPhase;
  target_k: number;
  sigma: number;
  /** k = eta * lambda_noise measured at `sigma` at this seed's initialization. */
  k: number;
  /** Whether |k / target_k - 1| <= tol was reached within the search budget. */
  converged: boolean;
  history: { sigma: number; k: number }[];
};

/** What a sigma search depends on besides the model, init and seed. */
export type SigmaSearchSetting = { lr: number; batch: number; sigmaSearch: CurvatureBudget };

/** The k values `sigmaFor` accepts for a target: |k / target - 1| <= tol. */
export function acceptedRange(targetK: number, tol: number): [number, number] {
  return [targetK * (1 - tol), targetK * (1 + tol)];
}

/**
 * Throws unless the decay and catapult targets' accepted ranges are disjoint and each lies on its
 * own side of the catapult threshold k = 2 (a "catapult" sigma must not be accepted at a k that
 * predicts decay). With targets 1 and 3 that is tol < 1/3; the presets use at most 0.25.
 */
export function checkSigmaTolerance(tol: number | undefined, targets: { decay: number; catapult: number } = TARGET_K): void {
  if (tol === undefined || !(tol > 0) || !Number.isFinite(tol)) throw new NinrError(`sigma search: the tolerance on k must be a positive number, got ${tol}`);
  const [dLo, dHi] = acceptedRange(targets.decay, tol);
  const [cLo, cHi] = acceptedRange(targets.catapult, tol);
  if (!(dHi < cLo))
    throw new NinrError(`sigma search: tolerance ${tol} lets the decay target's k range [${dLo}, ${dHi}] overlap the catapult target's [${cLo}, ${cHi}]; use a smaller tol`);
  if (!(dHi < K_CATAPULT && cLo > K_CATAPULT))
    throw new NinrError(`sigma search: tolerance ${tol} accepts decay k up to ${dHi} and catapult k from ${cLo}, across the catapult threshold k = ${K_CATAPULT}; use tol < ${Math.min(K_CATAPULT / targets.decay - 1, 1 - K_CATAPULT / targets.catapult).toPrecision(3)}`);
}

/**
 * Pick the in- and full-NINR sigmas of one model, init and seed by measured curvature at that
 * seed's initialization (the same parameters its training runs start from). Deterministic: the
 * curvature batches and noise come from the seed's named streams.
 */
export async function chooseSigmas(p: SigmaSearchSetting, model: string, init: WeightInit, seed: number, ds: Dataset, log: (s: string) => void = () => {}): Promise<ChosenSigma[]> {
  const search = p.sigmaSearch;
  checkSigmaTolerance(search.tol);
  const out: ChosenSigma[] = [];
  for (const nin of ["input", "all"] as const) {
    const base = resolveConfig({ model, init, nin, lr: p.lr, batch: p.batch, seed, sigma: 1 });
    const data = prepareData(ds, base);
    const { params, state } = initialParams(base, ds);
    const batchSize = budgetBatchSize(search, buildNetwork(base, ds));
    // One meter for both phases: its compiled programs serve every sigma (kOfSigma.ts).
    const meter = makeSigmaMeter(base, ds, params, state, data.train, { batches: search.batches, batchSize, iters: search.iters });
    try {
      for (const phase of ["decay", "catapult"] as const) {
        let i = 0;
        const measure = (sigma: number) => meter.k(sigma, streamSeed(seed, `compare/sigma-search/${nin}/${phase}/${i++}`));
        const prev = out.find((c) => c.nin === nin);
        const sigma0 = prev && prev.k > 0 ? prev.sigma * Math.sqrt(TARGET_K[phase] / prev.k) : 10;
        const r = await sigmaFor(TARGET_K[phase], measure, { tol: search.tol, maxMeasurements: search.maxMeasurements, sigma0 });
        log(`  ${model} ${init} seed ${seed} ${nin === "input" ? "in" : "full"}-NINR ${phase}: sigma ${r.sigma.toPrecision(3)} (k ${r.k.toFixed(2)}, ${r.history.length} measurements${r.converged ? "" : ", not converged"})`);
        out.push({ model, init, seed, nin, phase, target_k: TARGET_K[phase], sigma: Number(r.sigma.toPrecision(4)), k: r.k, converged: r.converged, history: r.history });
      }
    } finally {
      meter.dispose();
      tree.dispose(params);
      tree.dispose(state);
    }
  }
  return out;
}

/** The content of sigmas.json. */
export type SigmaCache = { preset: string; lr: number; batch: number; sigmaSearch: CurvatureBudget; sigmas: ChosenSigma[] };

export function sigmaCache(p: SigmaSearchSetting & { name: string }, sigmas: ChosenSigma[]): SigmaCache {
  return { preset: p.name, lr: p.lr, batch: p.batch, sigmaSearch: p.sigmaSearch, sigmas };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** A cached choice read back, or null when any field is missing or out of range. */
function checkChoice(v: unknown): ChosenSigma | null {
  if (!isObj(v)) return null;
  const { model, init, seed, nin, phase, target_k, sigma, k, converged, history } = v;
  if (typeof model !== "string" || !(WEIGHT_INITS as readonly unknown[]).includes(init)) return null;
  if (!finite(seed) || !Number.isInteger(seed) || seed < 0) return null;
  if ((nin !== "input" && nin !== "all") || (phase !== "decay" && phase !== "catapult")) return null;
  if (target_k !== TARGET_K[phase] || !finite(sigma) || !(sigma > 0) || !finite(k) || k < 0 || typeof converged !== "boolean") return null;
  if (!Array.isArray(history) || !history.every((h) => isObj(h) && finite(h.sigma) && finite(h.k))) return null;
  return { model, init: init as WeightInit, seed, nin, phase, target_k: TARGET_K[phase], sigma, k, converged, history: history as ChosenSigma["history"] };
}

/**
 * The usable choices of a sigmas.json's text (`null`: no file) for this preset's search, and a
 * warning when anything in it was dropped. Never throws: the caller recomputes what is missing.
 */
export function parseSigmaCache(text: string | null, p: SigmaSearchSetting & { name: string }, file = "sigmas.json"): { sigmas: ChosenSigma[]; warning: string | null } {
  if (text === null) return { sigmas: [], warning: null };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { sigmas: [], warning: `${file} is not valid JSON (${text.trim() === "" ? "empty" : (e as Error).message.replace(/[\x00-\x1f\x7f]+/g, " ").slice(0, 200)}); recomputing the sigmas` };
  }
  if (!isObj(raw) || !Array.isArray(raw.sigmas)) return { sigmas: [], warning: `${file} is not a sigma cache (no 'sigmas' list); recomputing the sigmas` };
  const want = sigmaCache(p, []);
  // The budget is a flat object of numbers: compared key by key (a JSON.stringify of an untrusted, deeply nested value overflows the stack).
  const flatEqual = (a: unknown, b: Record<string, unknown>) => isObj(a) && Object.keys(a).length === Object.keys(b).length && Object.keys(b).every((k) => a[k] === b[k]);
  const same = raw.preset === want.preset && raw.lr === want.lr && raw.batch === want.batch && flatEqual(raw.sigmaSearch, want.sigmaSearch);
  const shown = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v).slice(0, 40) : "?");
  if (!same) return { sigmas: [], warning: `${file} was made for another search (preset ${shown(raw.preset)}, lr ${shown(raw.lr)}, batch ${shown(raw.batch)}, its budget); recomputing the sigmas for preset ${p.name}` };
  const sigmas: ChosenSigma[] = [];
  let bad = 0;
  const seen = new Set<string>();
  for (const v of raw.sigmas) {
    const c = checkChoice(v);
    const key = c && `${c.model}/${c.init}/${c.seed}/${c.nin}/${c.phase}`;
    if (!c || seen.has(key!)) bad++;
    else {
      seen.add(key!);
      sigmas.push(c);
    }
  }
  // A (model, init, seed) is used only when all four of its choices are there.
  const cell = (c: ChosenSigma) => `${c.model}/${c.init}/${c.seed}`;
  const counts = new Map<string, number>();
  for (const c of sigmas) counts.set(cell(c), (counts.get(cell(c)) ?? 0) + 1);
  const complete = sigmas.filter((c) => counts.get(cell(c)) === 4);
  bad += sigmas.length - complete.length;
  return { sigmas: complete, warning: bad ? `${file}: ${bad} of ${raw.sigmas.length} entries were malformed, duplicated or incomplete; recomputing those sigmas` : null };
}

/** The choice of one cell, or a NinrError naming it. */
export function sigmaOf(sigmas: ChosenSigma[], c: { model: string; init: WeightInit; seed: number; nin: "input" | "all"; phase: SigmaPhase }): ChosenSigma {
  const s = sigmas.find((x) => x.model === c.model && x.init === c.init && x.seed === c.seed && x.nin === c.nin && x.phase === c.phase);
  if (!s) throw new NinrError(`no NINR sigma chosen for ${c.model} init ${c.init} seed ${c.seed} ${c.nin === "input" ? "in" : "full"}-NINR ${c.phase}; choose the sigmas (chooseSigmas) for every model, init and seed first`);
  return s;
}
