/**
 * The training loop: epochs of shuffled mini-batches through the jitted step, metrics, and
 * divergence as a result (spec 2: NaN/inf or loss above `divergeLoss` stops the run and marks
 * it diverged; it never throws).
 *
 * Randomness: the jax-js key tree starts at `random.key(cfg.seed)` (init, training noise, eval
 * noise); batch order comes from `HostRng(cfg.seed)`. Same config + data -> same numbers.
 * The loop does no file I/O; it reports through `hooks` and returns everything.
 */
import { numpy as np, random, tree } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import { NinrError } from "../errors.ts";
import { HostRng } from "../engine/hostRng.ts";
import { type Params, initNetwork, splitN } from "../models/network.ts";
import { type EvalResult, evaluate } from "./evaluate.ts";
import { type StepFns, makeStepFns } from "./step.ts";

export type Split = { images: Float32Array; labels: Uint8Array; n: number };
export type TrainData = { train: Split; test: Split; holdout?: Split };

/** Per step, first epoch only (every `stepLogEvery` steps). Loss/acc are the noisy batch's. */
export type StepMetric = { kind: "step"; step: number; epoch: number; loss: number; acc: number; niw_norm: number[]; coupling: number[] };
/** Per epoch: mean noisy batch loss/acc seen by the optimizer, clean test and holdout metrics. */
export type EpochMetric = {
  kind: "epoch";
  epoch: number;
  step: number;
  train_loss: number;
  train_acc: number;
  test_loss: number;
  test_acc: number;
  holdout_loss: number | null;
  holdout_acc: number | null;
  niw_norm: number[];
  coupling: number[];
  seconds: number;
};
export type Metric = StepMetric | EpochMetric;

export type TrainHooks = {
  /** Called once with the initial parameters, before the first step (e.g. curvature at init). */
  onStart?: (params: Params) => Promise<void> | void;
  onMetric?: (m: Metric) => void;
  onProgress?: (done: number, total: number, loss: number) => void;
  /** Extra per-step work (e.g. a curvature trace); called after each logged step. */
  onStep?: (step: number, params: Params) => Promise<void> | void;
};

export type TrainResult = {
  /** Final parameters on the device; the caller owns them (tree.dispose when done). */
  params: Params;
  fns: StepFns;
  metrics: Metric[];
  diverged: boolean;
  divergedStep: number | null;
  steps: number;
  finalTrainLoss: number;
  test: EvalResult;
  holdout: EvalResult | null;
  niwNorm: number[];
  coupling: number[];
  seconds: number;
};

/** Fixed probe batch for ||theta|| and ||J theta|| during training. */
const PROBE_SIZE = 32; // an RMS over 32 images is a steady trend estimate at a quarter of the cost of 128

/**
 * The parameters a run starts from: the same key derivation as `train`, so a measurement made
 * on them (curvature at initialization, sigma selection) describes the run's actual start.
 */
export function initialParams(cfg: RunConfig): Params {
  const [initKey, trainKey, evalKey] = splitN(random.key(cfg.seed), 3);
  trainKey.dispose();
  evalKey.dispose();
  return initNetwork(initKey, cfg);
}

export async function train(cfg: RunConfig, data: TrainData, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = performance.now();
  const { train: tr } = data;
  if (tr.n < cfg.batch) throw new NinrError(`batch ${cfg.batch} is larger than the ${tr.n} training images; use --batch <= ${tr.n}`);
  const fns = makeStepFns(cfg);
  const [initKey, trainKey, evalKey] = splitN(random.key(cfg.seed), 3);
  let params = initNetwork(initKey, cfg);
  let opt = fns.init(params);
  const rng = new HostRng(cfg.seed);
  const stepsPerEpoch = Math.floor(tr.n / cfg.batch); // the last partial batch is dropped: one jitted shape
  const total = stepsPerEpoch * cfg.epochs;
  const probeIdx = rng.fork().permutation(tr.n).slice(0, Math.min(PROBE_SIZE, tr.n));
  const probeX = np.array(gatherImages(tr.images, probeIdx)).reshape([probeIdx.length, 784]);
  const epochKeys = splitN(trainKey, cfg.epochs);
  const evalSeed = (await evalKey.data())[1];

  if (hooks.onStart) await hooks.onStart(params);
  const metrics: Metric[] = [];
  const emit = (m: Metric) => {
    metrics.push(m);
    hooks.onMetric?.(m);
  };
  const readProbe = async (p: np.Array) => {
    const v = (await p.data()) as Float32Array;
    const k = fns.ninSites.length;
    return { niw: Array.from(v.slice(0, k)), coupling: Array.from(v.slice(k, 2 * k)) };
  };

  let diverged = false;
  let divergedStep: number | null = null;
  let finalTrainLoss = NaN;
  let step = 0;
  for (let epoch = 0; epoch < cfg.epochs && !diverged; epoch++) {
    const perm = rng.permutation(tr.n);
    const stepKeys = random.split(epochKeys[epoch], stepsPerEpoch);
    let lossSum = 0;
    let correctSum = 0;
    let seen = 0;
    for (let s = 0; s < stepsPerEpoch && !diverged; s++) {
      const idx = perm.subarray(s * cfg.batch, (s + 1) * cfg.batch);
      const x = np.array(gatherImages(tr.images, idx)).reshape([cfg.batch, 784]);
      const y = np.array(gatherOneHot(tr.labels, idx)).reshape([cfg.batch, 10]);
      const [p2, o2, lossArr, correctArr] = fns.trainStep(params, opt, x, y, stepKeys.ref.slice(s));
      params = p2;
      opt = o2;
      const logged = epoch === 0 && s % cfg.stepLogEvery === 0;
      const probeArr = logged ? fns.probe(tree.ref(params), probeX.ref) : null;
      // Read every step back at once: jax-js runs a dispatched program lazily and keeps its
      // buffers until its outputs are read (~160 MB per unread CNN step; 25 queued steps
      // overflowed the 4 GiB Wasm memory). The work happens at the read either way here.
      const loss = (await lossArr.data())[0];
      const correct = (await correctArr.data())[0];
      const probe = probeArr ? await readProbe(probeArr) : null;
      if (!Number.isFinite(loss) || loss > cfg.divergeLoss) {
        diverged = true;
        divergedStep = step;
      }
      lossSum += loss;
      correctSum += correct;
      seen += cfg.batch;
      finalTrainLoss = loss;
      if (probe) emit({ kind: "step", step, epoch, loss, acc: correct / cfg.batch, niw_norm: probe.niw, coupling: probe.coupling });
      hooks.onProgress?.(step + 1, total, loss);
      if (logged && hooks.onStep) await hooks.onStep(step, params);
      step++;
    }
    stepKeys.dispose();
    const test = await evaluate(fns, params, data.test.images, data.test.labels, { seed: evalSeed });
    const hold = data.holdout ? await evaluate(fns, params, data.holdout.images, data.holdout.labels, { seed: evalSeed }) : null;
    const pr = await readProbe(fns.probe(tree.ref(params), probeX.ref));
    emit({
      kind: "epoch",
      epoch,
      step,
      train_loss: seen ? lossSum / (seen / cfg.batch) : NaN,
      train_acc: seen ? correctSum / seen : NaN,
      test_loss: test.loss,
      test_acc: test.acc,
      holdout_loss: hold?.loss ?? null,
      holdout_acc: hold?.acc ?? null,
      niw_norm: pr.niw,
      coupling: pr.coupling,
      seconds: (performance.now() - t0) / 1000,
    });
  }
  for (let e = 0; e < cfg.epochs; e++) if (epochKeys[e].refCount > 0) epochKeys[e].dispose();
  probeX.dispose();
  tree.dispose(opt);

  const last = [...metrics].reverse().find((m): m is EpochMetric => m.kind === "epoch")!;
  const test = { loss: last.test_loss, acc: last.test_acc, n: data.test.n };
  const holdout = data.holdout && last.holdout_acc !== null ? { loss: last.holdout_loss!, acc: last.holdout_acc, n: data.holdout.n } : null;
  return {
    params,
    fns,
    metrics,
    diverged,
    divergedStep,
    steps: step,
    finalTrainLoss,
    test,
    holdout,
    niwNorm: last.niw_norm,
    coupling: last.coupling,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Copy the rows `idx` of an [n, 784] image array into a fresh [idx.length * 784] array. */
export function gatherImages(images: Float32Array, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * 784);
  for (let i = 0; i < idx.length; i++) out.set(images.subarray(idx[i] * 784, idx[i] * 784 + 784), i * 784);
  return out;
}

function gatherOneHot(labels: Uint8Array, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * 10);
  for (let i = 0; i < idx.length; i++) out[i * 10 + labels[idx[i]]] = 1;
  return out;
}

