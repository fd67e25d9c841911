/**
 * One point of the E1 phase diagram (spec 4): measure the curvature at initialization, predict
 * the phase from k = eta * lambda_noise, train while tracing k(t) and a test-loss subset, then
 * classify the observed trajectory and fit decay times. Writes a run folder whose summary.json
 * (last) carries the phase record.
 */
import { numpy as np, tree } from "@jax-js/jax";
import { join } from "node:path";
import { type RunConfig, resolveConfig } from "../config.ts";
import { loadDataset } from "../data/fashion.ts";
import { classifyTrajectory } from "../dynamics/classify.ts";
import { makeCurvatureMeter, measureCurvature, noiseModelFor } from "../dynamics/curvature.ts";
import { logLinearDecayTime, predictedDecayTime, relaxationTime } from "../dynamics/fit.ts";
import { predictPhase } from "../dynamics/predict.ts";
import { HostRng } from "../engine/hostRng.ts";
import { writeJsonAtomic } from "../io/atomic.ts";
import type { Params } from "../models/network.ts";
import { evaluate, oneHotHost } from "../train/evaluate.ts";
import { type StepMetric, gatherImages, train } from "../train/loop.ts";
import { prepareData, summarize, writeRunConfig, writeRunFolder } from "../train/run.ts";
import { makeStepFns } from "../train/step.ts";

export type PhaseJobArgs = {
  config: Partial<RunConfig>;
  /** Steps after which k(t) and the test-loss subset are measured (0 = at initialization). */
  traceSteps: number[];
  /** The initial measurement of all three curvature numbers. */
  initCurvature: { batches: number; batchSize: number; iters: number };
  /** The cheap lambda_noise estimate of the trace: one fixed batch, fresh noise each time. */
  traceCurvature: { batchSize: number; iters: number };
  /** Test images used for the test-loss trace. */
  testSubset: number;
  /** Divergence ceiling of k for the prediction (spec 2: 4 linear, ~12 ReLU). */
  ceiling: number;
  saveParams?: boolean;
  dataDir?: string;
  allowSample?: boolean;
};

export type PhaseRecord = {
  model: string;
  nin: string;
  sigma: number;
  lr: number;
  seed: number;
  steps: number;
  k: number;
  lambda_noise: number;
  lambda_max: number | null;
  lambda_niw: number | null;
  k_niw: number | null;
  curvature_grad_equivalents: number | null;
  predicted_phase: string;
  observed_phase: string;
  classifier_reason: string;
  k_final: number;
  k_min: number;
  niw_decay_time: number | null;
  predicted_decay_time: number | null;
  train_loss_decay_time: number | null;
  test_loss_decay_time: number | null;
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

export async function runPhaseJob(a: PhaseJobArgs, dir: string): Promise<PhaseRecord> {
  const cfg = resolveConfig(a.config as Record<string, unknown>);
  const ds = loadDataset({ dataDir: a.dataDir, allowSample: a.allowSample ?? false });
  const data = prepareData(ds, cfg);
  writeRunConfig(dir, cfg, ds);
  writeJsonAtomic(join(dir, "job.json"), a);
  const steps = Math.floor(data.train.n / cfg.batch) * cfg.epochs;

  // Fixed batches for the trace: training images for k(t), a test subset for the test loss.
  const rng = new HostRng(cfg.seed + 7919);
  const kIdx = rng.permutation(data.train.n).slice(0, Math.min(a.traceCurvature.batchSize, data.train.n));
  const kX = gatherImages(data.train.images, kIdx);
  const kY = oneHotHost(Uint8Array.from(kIdx, (i) => data.train.labels[i]));
  const nTest = Math.min(a.testSubset, data.test.n);
  const testImages = data.test.images.subarray(0, nTest * 784);
  const testLabels = data.test.labels.subarray(0, nTest);

  const meter = makeCurvatureMeter(noiseModelFor(cfg), { iters: a.traceCurvature.iters, batches: 1, which: { noise: true, hessian: false, niw: false }, timeGradient: false });
  const evalFns = makeStepFns({ ...cfg, evalNoise: false });
  const traceSet = new Set(a.traceSteps);
  const trace: PhaseTrace = { t: [], k: [], test_loss: [], step: [], loss: [], coupling: [], niw_norm: [] };
  let init: Awaited<ReturnType<typeof measureCurvature>> | null = null;

  const measureTrace = async (t: number, params: Params) => {
    const x = np.array(kX).reshape([kIdx.length, 784]);
    const y = np.array(kY).reshape([kIdx.length, 10]);
    const r = await meter.measure(params, [{ x, y }], { lr: cfg.lr, seed: cfg.seed * 100003 + t }); // borrows x, y
    x.dispose();
    y.dispose();
    const tl = await evaluate(evalFns, params, testImages, testLabels);
    trace.t.push(t);
    trace.k.push(r.k ?? 0);
    trace.test_loss.push(tl.loss);
  };

  const result = await train(cfg, data, {
    onStart: async (params) => {
      init = await measureCurvature(cfg, params, data.train.images, data.train.labels, { ...a.initCurvature, seed: cfg.seed });
      if (traceSet.has(0)) await measureTrace(0, params);
    },
    onStep: async (step, params) => {
      // `step` is 0-based; after it, step + 1 updates have been made.
      if (traceSet.has(step + 1)) await measureTrace(step + 1, params);
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
  const predicted = predictPhase({ k: k0, steps, ceiling: a.ceiling });
  const cleanAcc = result.holdout?.acc ?? result.test.acc;
  const finiteLoss = trace.loss.filter(Number.isFinite);
  const obs = classifyTrajectory({
    kSteps: trace.t,
    k: trace.k,
    steps: result.steps,
    diverged: result.diverged,
    maxLoss: result.diverged ? Infinity : Math.max(...finiteLoss),
    finalTrainAcc: cleanAcc,
  });
  const kLater = trace.k.slice(1).filter(Number.isFinite);
  const divergent = obs.phase === "divergent";
  const record: PhaseRecord = {
    model: cfg.model,
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
    observed_phase: obs.phase,
    classifier_reason: obs.reason,
    k_final: trace.k[trace.k.length - 1],
    k_min: kLater.length ? Math.min(...kLater) : k0,
    // Decay times of a run observed divergent are not decay times.
    niw_decay_time: divergent ? null : logLinearDecayTime(trace.step, trace.coupling, 1),
    predicted_decay_time: k0 > 0 && k0 < 2 ? predictedDecayTime(k0) : null,
    train_loss_decay_time: divergent ? null : relaxationTime(trace.step, smooth(trace.loss, 20)),
    test_loss_decay_time: divergent ? null : relaxationTime(trace.t, trace.test_loss),
    clean_test_acc: result.test.acc,
    diverged: result.diverged,
  };
  const summary = { ...summarize(result, ds, cfg.epochs), phase: record };
  await writeRunFolder(dir, cfg, result, summary, { saveParams: a.saveParams ?? false, files: { "trace.json": trace, "curvature.json": ini } });
  tree.dispose(result.params);
  result.fns.dispose();
  return record;
}
