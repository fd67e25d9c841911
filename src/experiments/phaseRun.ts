/**
 * One point of the E1 phase diagram (docs/method.md §4): measure the curvature at initialization, predict
 * the phase from k = eta * lambda_noise, train while tracing k(t) and a test-loss subset, then
 * classify what the run did (docs/method.md §2.6: loss, NIW norm and coupling, outcome; k(t) only
 * for the catapult's fall below 2) and fit decay times, kept only when observed within the run
 * (§2.5). Returns the run's record, whose summary carries the phase record.
 *
 * One k0 per run: the trace's point t = 0 is the initial measurement itself (all three curvature
 * numbers on `initCurvature`), so the record's `k` and the trace's k[0] are the same number;
 * later trace points are the cheap one-batch estimate.
 */
import { resolveConfig, type RunConfig } from "../config.ts";
import { deviceBatch, head } from "../data/dataset.ts";
import { OBSERVED_THRESHOLDS, type ObservedFacts, classifyTrajectory, seriesFromMetrics } from "../dynamics/classify.ts";
import { type CurvatureResult, curvatureModelFor, makeCurvatureMeter, measureCurvature } from "../dynamics/curvature.ts";
import { predictedDecayTime, relaxationTime, withinRun } from "../dynamics/fit.ts";
import { K_CATAPULT, predictPhase, stabilityEdge } from "../dynamics/predict.ts";
import { HostRng } from "../engine/hostRng.ts";
import { streamSeed } from "../engine/keys.ts";
import type { ModelState, Params } from "../models/model.ts";
import { evaluate } from "../train/evaluate.ts";
import { type StepMetric, disposeResult, train } from "../train/loop.ts";
import { checkDataLimits, prepareData } from "../train/prepare.ts";
import { makeStepFns } from "../train/step.ts";
import { type JobEnv, type RunRecord, configRecord, paramsRecord, summarize } from "./record.ts";

export type PhaseJobSpec = {
  config: Partial<RunConfig>;
  /** Steps after which k(t) and the test-loss subset are measured (0 = at initialization). */
  traceSteps: number[];
  /** The initial measurement of all three curvature numbers (images per batch for this network). */
  initCurvature: { batches: number; batchSize: number; iters: number };
  /** The cheap lambda_noise estimate of the trace: one fixed batch, fresh noise each time. */
  traceCurvature: { batchSize: number; iters: number };
  /** Test images used for the test-loss trace. */
  testSubset: number;
  /** Divergence ceiling of k for the prediction (docs/method.md §2: 4 linear, ~12 ReLU). */
  ceiling: number;
  saveParams?: boolean;
};

export type PhaseRecord = {
  model: string;
  init: string;
  nin: string;
  sigma: number;
  lr: number;
  seed: number;
  steps: number;
  /** k = eta * lambda_noise at initialization: the same number as the trace's k at t = 0. */
  k: number;
  lambda_noise: number;
  lambda_max: number | null;
  lambda_niw: number | null;
  k_niw: number | null;
  curvature_grad_equivalents: number | null;
  predicted_phase: string;
  /** The optimizer and the k edge the prediction and the classifier used (2 for SGD; 2 (1 + beta) with momentum; Adam: none, the SGD rule is shown). */
  optimizer: string;
  momentum: number;
  k_edge: number;
  prediction_rule: string;
  /** What the run did (docs/method.md §2.6), measured independently of the prediction; may be "unresolved". */
  observed_phase: string;
  classifier_reason: string;
  /** Final accuracy (holdout, else test) near chance, whatever the phase (§2.6). */
  near_chance: boolean;
  /** Classes of the task (chance is 1/classes). */
  classes: number;
  k_final: number;
  k_min: number;
  /** Decay times are null unless observed within the run (§2.5); the notes say why. */
  niw_decay_time: number | null;
  niw_decay_note: string | null;
  predicted_decay_time: number | null;
  train_loss_decay_time: number | null;
  train_loss_decay_note: string | null;
  test_loss_decay_time: number | null;
  test_loss_decay_note: string | null;
  /** The measurements the classifier read (src/dynamics/classify.ts `ObservedFacts`). */
  loss_rise: number | null;
  coupling_rise: number | null;
  theta_change: number | null;
  coupling_fall: number | null;
  coupling_drop: number | null;
  clean_test_acc: number;
  diverged: boolean;
};

export type PhaseTrace = { t: number[]; k: number[]; test_loss: number[]; step: number[]; loss: number[]; coupling: number[]; niw_norm: number[] };

/** Moving average over `w` points (centred at the end of the window), for noisy batch losses. */
function smooth(y: number[], w: number): number[] {
  const out: number[] = [];
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    s += y[i];
    if (i >= w) s -= y[i - w];
    out.push(s / Math.min(i + 1, w));
  }
  return out;
}

export async function runPhaseJob(a: PhaseJobSpec, env: JobEnv): Promise<RunRecord> {
  const cfg = resolveConfig(a.config as Record<string, unknown>);
  const ds = env.dataset(cfg.dataset);
  checkDataLimits(ds, cfg);
  const data = prepareData(ds, cfg);
  const steps = Math.floor(data.train.n / cfg.batch) * cfg.epochs;

  // Fixed batches for the trace: training images for k(t), a test subset for the test loss.
  const rng = new HostRng(streamSeed(cfg.seed, "phase/trace-batch"));
  const kIdx = rng.permutation(data.train.n).slice(0, Math.min(a.traceCurvature.batchSize, data.train.n));
  const testSet = head(ds, data.test, a.testSubset);

  const meter = makeCurvatureMeter(curvatureModelFor(cfg, ds), { iters: a.traceCurvature.iters, batches: 1, which: { noise: true, hessian: false, niw: false }, timeGradient: false, clock: env.clock });
  const evalFns = makeStepFns({ ...cfg, evalNoise: false }, ds);
  const traceSet = new Set(a.traceSteps);
  const trace: PhaseTrace = { t: [], k: [], test_loss: [], step: [], loss: [], coupling: [], niw_norm: [] };
  let init: CurvatureResult | null = null;

  /** A trace point; `k` given (t = 0: the initial measurement) or measured on the fixed batch. */
  const measureTrace = async (t: number, params: Params, state: ModelState, k?: number) => {
    if (k === undefined) {
      const b = deviceBatch(ds, data.train, kIdx);
      const r = await meter.measure(params, state, [b], { lr: cfg.lr, seed: streamSeed(cfg.seed, `phase/trace-noise/${t}`) }); // borrows the batch
      b.x.dispose();
      b.y.dispose();
      k = r.k ?? 0;
    }
    const tl = await evaluate(evalFns, params, state, ds, testSet);
    trace.t.push(t);
    trace.k.push(k);
    trace.test_loss.push(tl.loss);
  };

  const result = await train(cfg, ds, data, {
    clock: env.clock,
    onStart: async (params, state) => {
      const ini = await measureCurvature(cfg, ds, params, state, data.train, { ...a.initCurvature, seed: streamSeed(cfg.seed, "phase/init-curvature"), clock: env.clock });
      init = ini;
      // One k0 per run: the trace starts at the initial measurement (always, so k0 is on the trace).
      await measureTrace(0, params, state, ini.k ?? 0);
    },
    onStep: async (step, params, state) => {
      // `step` is 0-based; after it, step + 1 updates have been made.
      if (traceSet.has(step + 1)) await measureTrace(step + 1, params, state);
    },
  });
  meter.dispose();
  evalFns.dispose();

  for (const m of result.metrics) {
    if (m.kind !== "step") continue;
    const sm = m as StepMetric;
    trace.step.push(sm.step + 1);
    trace.loss.push(sm.loss);
    trace.coupling.push(sm.coupling.reduce((s, c) => s + c * c, 0) ** 0.5);
    trace.niw_norm.push(sm.niw_norm.reduce((s, c) => s + c * c, 0) ** 0.5);
  }
  const ini = init!;
  const k0 = ini.k ?? 0;
  const edgeOf = stabilityEdge(cfg);
  const edge = edgeOf ?? K_CATAPULT;
  const predicted = predictPhase({ k: k0, steps, ceiling: a.ceiling, edge });
  const cleanAcc = result.holdout?.acc ?? result.test.acc;
  // The observed phase reads the run's own series, not the prediction (docs/method.md §2.6).
  const obs = classifyTrajectory({
    steps: result.steps,
    classes: ds.classes,
    diverged: result.diverged,
    finalAcc: cleanAcc,
    ...seriesFromMetrics(result.metrics),
    k: { step: trace.t, value: trace.k },
  }, { ...OBSERVED_THRESHOLDS, kCatapult: edge });
  const kLater = trace.k.slice(1).filter(Number.isFinite);
  const divergent = obs.phase === "divergent";
  // Decay times of a divergent run are not decay times; the others count only within the run (§2.5).
  const lossTime = (time: number | null, what: string) =>
    divergent ? { time: null, note: "divergent run" } : withinRun(time, result.steps, OBSERVED_THRESHOLDS.withinRunFraction, what);
  const trainLoss = lossTime(relaxationTime(trace.step, smooth(trace.loss, 20)), "the train loss");
  const testLoss = lossTime(relaxationTime(trace.t, trace.test_loss), "the test loss");
  const f: ObservedFacts = obs.facts;
  const record: PhaseRecord = {
    model: cfg.model,
    init: cfg.init,
    nin: cfg.nin,
    sigma: cfg.sigma,
    lr: cfg.lr,
    seed: cfg.seed,
    steps,
    k: k0,
    lambda_noise: ini.lambda_noise ?? 0,
    lambda_max: ini.lambda_max,
    lambda_niw: ini.lambda_niw,
    k_niw: ini.lambda_niw === null ? null : cfg.lr * ini.lambda_niw,
    curvature_grad_equivalents: ini.grad_equivalents,
    predicted_phase: predicted,
    optimizer: cfg.optimizer,
    momentum: cfg.momentum,
    k_edge: edge,
    prediction_rule: edgeOf === null ? "adam: k sets no edge; the plain-SGD rule (edge 2) is shown" : cfg.momentum > 0 ? `heavy-ball momentum ${cfg.momentum}: edge 2 (1 + beta) = ${edge}` : "plain SGD: edge 2",
    observed_phase: obs.phase,
    classifier_reason: obs.reason,
    near_chance: obs.nearChance,
    classes: ds.classes,
    k_final: trace.k[trace.k.length - 1],
    k_min: kLater.length ? Math.min(...kLater) : k0,
    niw_decay_time: obs.niwDecay.time,
    niw_decay_note: obs.niwDecay.note,
    // |1 - k|^t is plain SGD's decay law; with momentum or Adam no closed form is claimed.
    predicted_decay_time: k0 > 0 && k0 < 2 && edge === K_CATAPULT && cfg.optimizer === "sgd" ? predictedDecayTime(k0) : null,
    train_loss_decay_time: trainLoss.time,
    train_loss_decay_note: trainLoss.note,
    test_loss_decay_time: testLoss.time,
    test_loss_decay_note: testLoss.note,
    loss_rise: f.loss_rise,
    coupling_rise: f.coupling_rise,
    theta_change: f.theta_change,
    coupling_fall: f.coupling_fall,
    coupling_drop: f.coupling_drop,
    clean_test_acc: result.test.acc,
    diverged: result.diverged,
  };
  const summary = { ...summarize(result, ds, cfg.epochs, env.runtime), phase: record };
  const params = a.saveParams ? await paramsRecord(cfg, result.params, result.state) : undefined;
  disposeResult(result);
  return { config: configRecord(cfg, ds), metrics: result.metrics, files: { "job.json": a, "trace.json": trace, "curvature.json": ini }, params, summary };
}
