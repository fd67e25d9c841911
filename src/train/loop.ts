/**
 * The training loop: epochs of shuffled mini-batches through the jitted step, metrics, and
 * divergence as a result (docs/method.md §2: NaN/inf or loss above `divergeLoss` stops the run and marks
 * it diverged; it never throws).
 *
 * Randomness: the jax-js key tree starts at `random.key(cfg.seed)`, split by position into the
 * streams "init", "train" (NIN noise, dropout, CDT: one key per epoch, one per step) and "eval"
 * (eval-time noise); batch order comes from `HostRng(cfg.seed)`, and the probe batch from its
 * first fork. Same config + data -> same numbers.
 * The loop does no I/O: it reports through `hooks`, reads time only through `clock` (for the
 * `seconds` fields), and returns everything.
 */
import { numpy as np, random, tree } from "@jax-js/jax";
import type { RunConfig } from "../config.ts";
import { deviceBatch } from "../data/dataset.ts";
import { batchIndices } from "../data/split.ts";
import { NinrError } from "../errors.ts";
import { HostRng } from "../engine/hostRng.ts";
import { splitN } from "../engine/keys.ts";
import type { ModelState, Params } from "../models/model.ts";
import { buildNetwork } from "../models/network.ts";
import { type EvalResult, evaluate } from "./evaluate.ts";
import type { TrainData } from "./prepare.ts";
import { type StepData, type StepFns, makeStepFns } from "./step.ts";

export type { TrainData };

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
/** k(t) = eta * lambda_noise measured during training (the dense trace of `ninr train`; docs/method.md §2.6). */
export type KMetric = { kind: "k"; step: number; k: number };
export type Metric = StepMetric | EpochMetric | KMetric;

/**
 * Give the event loop a turn every quarter second. On a single-threaded backend every `await
 * x.data()` settles as a microtask, so a training loop never reaches the macrotask phase: timers,
 * I/O and signal handlers (Ctrl-C) would wait for the whole run. A zero timeout every 250 ms costs
 * nothing measurable.
 */
let lastYield = 0;
async function yieldNow(): Promise<void> {
  const now = Date.now();
  if (now - lastYield < 250) return;
  lastYield = now;
  await new Promise((resolve) => setTimeout(resolve, 0));
}

export type TrainHooks = {
  /** Called once with the initial parameters and state, before the first step (e.g. curvature at init). */
  onStart?: (params: Params, state: ModelState) => Promise<void> | void;
  onMetric?: (m: Metric) => void;
  onProgress?: (done: number, total: number, loss: number) => void;
  /**
   * Extra per-step work (e.g. a curvature trace): called after every step of every epoch with
   * the 0-based step index (step + 1 updates made) and the parameters after it (borrowed).
   */
  onStep?: (step: number, params: Params, state: ModelState) => Promise<void> | void;
  /** Milliseconds for the `seconds` fields (default performance.now). */
  clock?: () => number;
};

export type TrainResult = {
  /** Final parameters on the device; the caller owns them (tree.dispose when done). */
  params: Params;
  /** Final model state (BatchNorm statistics; {} for stateless models); the caller owns it. */
  state: ModelState;
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
export function initialParams(cfg: RunConfig, info: StepData): { params: Params; state: ModelState } {
  const [initKey, trainKey, evalKey] = splitN(random.key(cfg.seed), 3);
  trainKey.dispose();
  evalKey.dispose();
  return buildNetwork(cfg, info).init(initKey);
}

/**
 * A run's host-side draws from `HostRng(seed)`, in the order train() makes them: a forked stream
 * for the probe batch, then one shuffled epoch of full batches (`n / batch` of them; the last
 * partial batch is dropped: one jitted shape) per `nextEpoch()` call. Exported so another
 * implementation can replay the batch order (scripts/oracle-start.ts).
 */
export function batchOrder(seed: number, n: number, batch: number): { probeRng: HostRng; stepsPerEpoch: number; nextEpoch: () => Int32Array[] } {
  const rng = new HostRng(seed);
  const probeRng = rng.fork();
  const stepsPerEpoch = Math.floor(n / batch);
  return { probeRng, stepsPerEpoch, nextEpoch: () => batchIndices(n, batch, rng).slice(0, stepsPerEpoch) };
}

/**
 * Train per `cfg` on `data`, whose samples have the shape in `info`.
 */
export async function train(cfg: RunConfig, info: StepData, data: TrainData, hooks: TrainHooks = {}): Promise<TrainResult> {
  const clock = hooks.clock ?? (() => performance.now());
  const t0 = clock();
  const { train: tr } = data;
  if (tr.n < cfg.batch) throw new NinrError(`batch ${cfg.batch} is larger than the ${tr.n} training images; use --batch <= ${tr.n}`);
  const fns = makeStepFns(cfg, info);
  const [initKey, trainKey, evalKey] = splitN(random.key(cfg.seed), 3);
  let { params, state } = fns.net.init(initKey);
  let opt = fns.init(params);
  const order = batchOrder(cfg.seed, tr.n, cfg.batch);
  const { stepsPerEpoch } = order;
  const total = stepsPerEpoch * cfg.epochs;
  const probeIdx = order.probeRng.permutation(tr.n).slice(0, Math.min(PROBE_SIZE, tr.n));
  const probeBatch = deviceBatch(info, tr, probeIdx);
  const probeX = probeBatch.x;
  probeBatch.y.dispose();
  // One key per epoch, the rows of one split (the same keys as splitN), sliced when the epoch
  // starts: slicing all of them up front costs a dispatch each, minutes of blocked event loop
  // (no Ctrl-C) for 20,000 epochs.
  const epochKeys = random.split(trainKey, cfg.epochs);
  const evalSeed = (await evalKey.data())[1];

  if (hooks.onStart) await hooks.onStart(params, state);
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
    const batches = order.nextEpoch();
    const stepKeys = random.split(epochKeys.ref.slice(epoch), stepsPerEpoch);
    let lossSum = 0;
    let correctSum = 0;
    let seen = 0;
    for (let s = 0; s < stepsPerEpoch && !diverged; s++) {
      await yieldNow();
      const idx = batches[s];
      const { x, y } = deviceBatch(info, tr, idx);
      const [p2, s2, o2, lossArr, correctArr] = fns.trainStep(params, state, opt, x, y, stepKeys.ref.slice(s));
      params = p2;
      state = s2;
      opt = o2;
      const logged = epoch === 0 && s % cfg.stepLogEvery === 0;
      const probeArr = logged ? fns.probe(tree.ref(params), tree.ref(state), probeX.ref) : null;
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
      if (hooks.onStep) await hooks.onStep(step, params, state);
      step++;
    }
    stepKeys.dispose();
    const test = await evaluate(fns, params, state, info, data.test, { seed: evalSeed });
    const hold = data.holdout ? await evaluate(fns, params, state, info, data.holdout, { seed: evalSeed }) : null;
    const pr = await readProbe(fns.probe(tree.ref(params), tree.ref(state), probeX.ref));
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
      seconds: (clock() - t0) / 1000,
    });
  }
  epochKeys.dispose();
  probeX.dispose();
  tree.dispose(opt);

  const last = [...metrics].reverse().find((m): m is EpochMetric => m.kind === "epoch")!;
  const test = { loss: last.test_loss, acc: last.test_acc, n: data.test.n };
  const holdout = data.holdout && last.holdout_acc !== null ? { loss: last.holdout_loss!, acc: last.holdout_acc, n: data.holdout.n } : null;
  return {
    params,
    state,
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
    seconds: (clock() - t0) / 1000,
  };
}

/** Release a result's device memory (parameters, state, compiled functions). */
export function disposeResult(r: TrainResult): void {
  tree.dispose(r.params);
  tree.dispose(r.state);
  r.fns.dispose();
}
