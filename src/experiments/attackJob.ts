/**
 * The rest of P1's evaluation for a trained comparison model (docs/method.md §4.5): FGSM and
 * PGD-L∞ accuracy per eps with the NIN noise off, and accuracy on the held-out shifted test
 * domains. A job of its own, run after the training job it names, so that (1) it never changes
 * the training jobs' hashes (a sweep started before this stage existed resumes and gets it),
 * (2) it can be redone or extended without retraining, and (3) it runs on the same executors,
 * in parallel and resumable like every job.
 *
 * The trained parameters come from the environment (`JobEnv.trainedParams`, by the source job's
 * hash): jobs carry no local paths. The source job's config is part of this job's spec, so the
 * network is rebuilt from data and the stored tensors are checked against it.
 */
import { tree } from "@jax-js/jax";
import { type RunConfig, resolveConfig } from "../config.ts";
import { head } from "../data/dataset.ts";
import { NinrError } from "../errors.ts";
import { makeStepFns } from "../train/step.ts";
import { type AttackName, evaluateAdversarial } from "./adversarial.ts";
import { type DomainShiftName, evaluateDomainShift } from "./domainShift.ts";
import { type JobEnv, type RunRecord, configRecord, paramsFromRecord } from "./record.ts";

export type AttackJobSpec = {
  /** Hash of the job whose trained model is evaluated. */
  source: string;
  /** That job's method label (for tables) and run config (rebuilds its network). */
  method: string;
  config: Partial<RunConfig>;
  adversarial: {
    eps: number[];
    attacks: AttackName[];
    /** PGD iterations; step size stepFactor * eps / steps; random start from stream `adversarial/pgd-start/...` of `seed`. */
    steps: number;
    stepFactor: number;
    /** The first N test images (0 = all): PGD costs about (steps + 2) gradients per image and eps. */
    testSubset: number;
    seed: number;
  };
  domainShift: { shifts: DomainShiftName[]; testSubset: number; seed: number };
};

/** What an attack job's summary.json holds (the report reads it back untrusted: src/node/report/summaryShapes.ts). */
export type AttackSummary = {
  kind: "attack";
  source: string;
  method: string;
  model: string;
  init: string;
  seed: number;
  adversarial_n: number;
  /** Clean accuracy on the attacked images (noise off). */
  adversarial_clean_acc: number;
  /** Robust accuracy in B(eps) per attack and eps ("fgsm" -> "0.05" -> acc), src/experiments/adversarial.ts. */
  adversarial: Record<string, Record<string, number>>;
  domain_shift_n: number;
  domain_shift_clean_acc: number;
  /** Accuracy per shifted domain. */
  domain_shift: Record<string, number>;
  seconds: number;
};

export async function runAttackJob(a: AttackJobSpec, env: JobEnv): Promise<RunRecord> {
  const t0 = (env.clock ?? Date.now)();
  const cfg = resolveConfig(a.config as Record<string, unknown>);
  const ds = env.dataset(cfg.dataset);
  if (!env.trainedParams) throw new NinrError(`attack job for ${a.source.slice(0, 12)} needs the trained parameters of that job, which this executor does not provide: run it with the local executor (or queue workers sharing a --store)`);
  const rec = env.trainedParams(a.source);
  if (!rec) throw new NinrError(`job ${a.source.slice(0, 12)} has no stored parameters (params.safetensors); rerun its training to evaluate it`);
  const { params, state } = paramsFromRecord(cfg, ds, rec.tensors, rec.metadata, `parameters of job ${a.source.slice(0, 12)}`);
  const fns = makeStepFns(cfg, ds);
  try {
    const sub = (n: number) => head(ds, ds.test, n > 0 ? n : ds.test.n);
    const adv = await evaluateAdversarial(fns.net, params, state, ds, sub(a.adversarial.testSubset), {
      eps: a.adversarial.eps,
      attacks: a.adversarial.attacks,
      steps: a.adversarial.steps,
      stepFactor: a.adversarial.stepFactor,
      seed: a.adversarial.seed,
    });
    const shiftTest = sub(a.domainShift.testSubset);
    const shifts = await evaluateDomainShift({ fns, params, state }, ds, shiftTest, { shifts: a.domainShift.shifts, seed: a.domainShift.seed });
    const byAttack: AttackSummary["adversarial"] = {};
    for (const r of adv.rows) (byAttack[r.attack] ??= {})[String(r.eps)] = r.acc;
    const summary: AttackSummary = {
      kind: "attack",
      source: a.source,
      method: a.method,
      model: cfg.model,
      init: cfg.init,
      seed: cfg.seed,
      adversarial_n: adv.n,
      adversarial_clean_acc: adv.clean_acc,
      adversarial: byAttack,
      domain_shift_n: shiftTest.n,
      domain_shift_clean_acc: shifts[0]?.clean_acc ?? NaN,
      domain_shift: Object.fromEntries(shifts.map((r) => [r.shift, r.acc])),
      seconds: ((env.clock ?? Date.now)() - t0) / 1000,
    };
    return {
      // config.json stays a plain run config (the evaluated model's), readable by every verb; the attack settings go beside it.
      config: configRecord(cfg, ds),
      metrics: [],
      files: { "attack.json": a, "adversarial.json": { clean_acc: adv.clean_acc, n: adv.n, seed: adv.seed, rows: adv.rows }, "domain_shift.json": { rows: shifts } },
      summary,
    };
  } finally {
    tree.dispose(params);
    tree.dispose(state);
    fns.dispose();
  }
}
