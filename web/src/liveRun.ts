/**
 * One live playground run: a small NINR MLP (and, when it has NINs, a vanilla twin trained on
 * the same batches) advanced one SGD step at a time, so the page can draw between steps. DOM-free
 * (the page and the Node tests drive it alike). It is `train()` of src/train/loop.ts unrolled —
 * the same key derivation (init / train / eval streams of random.key(seed)), batch order
 * (HostRng(seed)), probe batch and metric records — except that step records are kept in every
 * epoch (`train` logs them in the first only), so the exported metrics.jsonl has the whole run.
 * k(t) = eta * lambda_noise is traced on one fixed training batch with fresh noise each time
 * (as src/experiments/phaseRun.ts does), and the observed phase is the toolkit's classifier
 * (src/dynamics/classify.ts) applied to the series so far.
 */
import { numpy as np, random, tree } from "@jax-js/jax";
import { type RunConfig, resolveConfig } from "../../src/config.ts";
import { type Dataset, deviceBatch } from "../../src/data/dataset.ts";
import { batchIndices } from "../../src/data/split.ts";
import { type Observation, classifyTrajectory, seriesFromMetrics } from "../../src/dynamics/classify.ts";
import { curvatureModelFor, makeCurvatureMeter, measureCurvature, type CurvatureMeter } from "../../src/dynamics/curvature.ts";
import { K_CEILING_RELU, type Phase, predictPhase } from "../../src/dynamics/predict.ts";
import { HostRng } from "../../src/engine/hostRng.ts";
import { splitN, streamSeed } from "../../src/engine/keys.ts";
import type { ModelState, Params } from "../../src/models/model.ts";
import { evaluate } from "../../src/train/evaluate.ts";
import type { Metric, StepMetric } from "../../src/train/loop.ts";
import type { OptState } from "../../src/train/optim.ts";
import { type TrainData, prepareData } from "../../src/train/prepare.ts";
import { type StepFns, makeStepFns } from "../../src/train/step.ts";
import type { Settings } from "./state.ts";

/** Fixed facts of every playground run (ours: small enough to train live on Wasm). */
export const PLAYGROUND = {
  widths: [784, 64, 10],
  batch: 64,
  /** Images of the NIW probe batch (as in train()). */
  probeSize: 32,
  /** k at initialization: one batch of 256, 10 Lanczos steps (the demo's sigma budget). */
  initCurvature: { batches: 1, batchSize: 256, iters: 10 },
  /** k(t): one fixed batch of 128, 8 Lanczos steps (the phase trace budget). */
  traceCurvature: { batchSize: 128, iters: 8 },
  /** Divergence ceiling of k for the prediction (ReLU nets, docs/method.md §2.4). */
  ceiling: K_CEILING_RELU,
  /** The observed phase is shown from this many steps on (earlier series say too little). */
  minStepsToObserve: 20,
} as const;

/** Steps after which k(t) is measured: every 4 steps up to 60 (catapults are fast), then every 20. */
export function traceSchedule(steps: number): Set<number> {
  const s = new Set<number>();
  for (let t = 4; t <= Math.min(60, steps); t += 4) s.add(t);
  for (let t = 80; t <= steps; t += 20) s.add(t);
  s.add(steps);
  return s;
}

/** The RunConfig `nin` of a placement ("logit": the site before the last weight layer, by name). */
export function ninOf(p: Settings["placement"]): string {
  return p === "logit" ? `nin${PLAYGROUND.widths.length - 2}` : p;
}

/** The run config of playground settings (validated by the schema; the NINR net or its vanilla twin). */
export function runConfig(st: Settings, vanilla = false): RunConfig {
  return resolveConfig({
    model: "mlp",
    widths: [...PLAYGROUND.widths],
    nin: vanilla ? "none" : ninOf(st.placement),
    sigma: st.sigma,
    noise: st.noise,
    lr: st.eta,
    batch: PLAYGROUND.batch,
    seed: st.seed,
    epochs: 1,
    thetaInit: st.thetaInit,
    thetaScale: st.thetaScale,
  });
}

/** One network being trained: parameters, optimizer state and its step functions. */
type Net = { cfg: RunConfig; fns: StepFns; params: Params; state: ModelState; opt: OptState; metrics: Metric[]; diverged: boolean };

export type TracePoint = { step: number; k: number };

export type StepReport = { step: number; loss: number; vanillaLoss: number | null; niwNorm: number[]; coupling: number[]; k: number | null };

export class LiveRun {
  readonly settings: Settings;
  readonly ds: Dataset;
  readonly data: TrainData;
  readonly stepsPerEpoch: number;
  /** k = eta * lambda_noise measured so far (t = 0 first); empty without NINs. */
  readonly kTrace: TracePoint[] = [];
  /** Phase predicted from k at initialization (null before `start`, and without NINs). */
  predicted: Phase | null = null;
  stepsDone = 0;
  /** Seconds spent in steps (training, probe and k trace), for the steps/s readout. */
  busySeconds = 0;
  private nets: Net[] = [];
  private probeX: np.Array;
  private rng: HostRng;
  private epochKeys: np.Array[];
  private stepKeys: np.Array | null = null;
  private batches: Int32Array[] = [];
  private evalSeed = 0;
  private meter: CurvatureMeter | null = null;
  private kIdx: Int32Array;
  private schedule: Set<number>;
  private lastHoldoutAcc: number | null = null;
  private disposed = false;

  private constructor(settings: Settings, ds: Dataset) {
    this.settings = settings;
    this.ds = ds;
    const cfg = runConfig(settings);
    this.data = prepareData(ds, cfg);
    this.stepsPerEpoch = Math.floor(this.data.train.n / cfg.batch);
    const epochs = Math.ceil(settings.steps / this.stepsPerEpoch);
    const [initKey, trainKey, evalKey] = splitN(random.key(cfg.seed), 3);
    const cfgs = settings.placement === "none" ? [cfg] : [cfg, runConfig(settings, true)];
    this.nets = cfgs.map((c, i) => {
      const fns = makeStepFns(c, ds);
      const { params, state } = fns.net.init(i === cfgs.length - 1 ? initKey : initKey.ref);
      return { cfg: c, fns, params, state, opt: fns.init(params), metrics: [], diverged: false };
    });
    this.rng = new HostRng(cfg.seed);
    const probeIdx = this.rng.fork().permutation(this.data.train.n).slice(0, Math.min(PLAYGROUND.probeSize, this.data.train.n));
    const pb = deviceBatch(ds, this.data.train, probeIdx);
    this.probeX = pb.x;
    pb.y.dispose();
    this.epochKeys = splitN(trainKey, epochs);
    this.evalKeyPending = evalKey;
    const traceRng = new HostRng(streamSeed(cfg.seed, "phase/trace-batch"));
    this.kIdx = traceRng.permutation(this.data.train.n).slice(0, Math.min(PLAYGROUND.traceCurvature.batchSize, this.data.train.n));
    this.schedule = traceSchedule(settings.steps);
  }
  private evalKeyPending: np.Array | null;

  /** A run for `settings` on `ds`; `start()` it before stepping. */
  static create(settings: Settings, ds: Dataset): LiveRun {
    return new LiveRun(settings, ds);
  }

  get ninr(): Net {
    return this.nets[0];
  }
  get vanilla(): Net | null {
    return this.nets.length > 1 ? this.nets[1] : null;
  }
  get hasNins(): boolean {
    return this.settings.placement !== "none";
  }
  get done(): boolean {
    return this.stepsDone >= this.settings.steps || this.ninr.diverged;
  }
  get metrics(): Metric[] {
    return this.ninr.metrics;
  }

  /** Measure k at initialization and predict the phase. */
  async start(): Promise<void> {
    if (this.evalKeyPending) {
      this.evalSeed = (await this.evalKeyPending.data())[1];
      this.evalKeyPending = null;
    }
    if (!this.hasNins || this.kTrace.length) return;
    const t0 = performance.now();
    const n = this.ninr;
    const r = await measureCurvature(n.cfg, this.ds, n.params, n.state, this.data.train, {
      ...PLAYGROUND.initCurvature,
      which: { noise: true, hessian: false, niw: false },
      timeGradient: false,
      seed: streamSeed(n.cfg.seed, "phase/init-curvature"),
    });
    const k0 = r.k ?? 0;
    this.kTrace.push({ step: 0, k: k0 });
    this.predicted = predictPhase({ k: k0, steps: this.settings.steps, ceiling: PLAYGROUND.ceiling });
    this.meter = makeCurvatureMeter(curvatureModelFor(n.cfg, this.ds), { iters: PLAYGROUND.traceCurvature.iters, batches: 1, which: { noise: true, hessian: false, niw: false }, timeGradient: false });
    this.busySeconds += (performance.now() - t0) / 1000;
  }

  /** One SGD step of every net on the same batch (NINR first), its probe, and k(t) when scheduled. */
  async step(): Promise<StepReport> {
    if (this.done) throw new Error("the run is finished");
    if (this.disposed) throw new Error("the run was disposed");
    const t0 = performance.now();
    const s = this.stepsDone % this.stepsPerEpoch;
    const epoch = Math.floor(this.stepsDone / this.stepsPerEpoch);
    if (s === 0) {
      this.batches = batchIndices(this.data.train.n, PLAYGROUND.batch, this.rng).slice(0, this.stepsPerEpoch);
      this.stepKeys = random.split(this.epochKeys[epoch], this.stepsPerEpoch);
    }
    const losses: number[] = [];
    let probe = { niw: [] as number[], coupling: [] as number[] };
    for (const [i, net] of this.nets.entries()) {
      if (net.diverged) {
        losses.push(NaN);
        continue;
      }
      const { x, y } = deviceBatch(this.ds, this.data.train, this.batches[s]);
      const [p2, s2, o2, lossArr, correctArr] = net.fns.trainStep(net.params, net.state, net.opt, x, y, this.stepKeys!.ref.slice(s));
      net.params = p2;
      net.state = s2;
      net.opt = o2;
      const probeArr = net.fns.probe(tree.ref(net.params), tree.ref(net.state), this.probeX.ref);
      const loss = (await lossArr.data())[0];
      const correct = (await correctArr.data())[0];
      const pr = await this.readProbe(net, probeArr);
      if (i === 0) probe = pr;
      if (!Number.isFinite(loss) || loss > net.cfg.divergeLoss) net.diverged = true;
      const m: StepMetric = { kind: "step", step: this.stepsDone, epoch, loss, acc: correct / PLAYGROUND.batch, niw_norm: pr.niw, coupling: pr.coupling };
      net.metrics.push(m);
      losses.push(loss);
    }
    this.stepsDone++;
    if (s === this.stepsPerEpoch - 1 || this.done) {
      if (this.stepKeys) this.stepKeys.dispose();
      this.stepKeys = null;
      await this.endEpoch(epoch);
    }
    let k: number | null = null;
    if (this.meter && this.schedule.has(this.stepsDone) && !this.ninr.diverged) k = await this.measureK();
    this.busySeconds += (performance.now() - t0) / 1000;
    return { step: this.stepsDone, loss: losses[0], vanillaLoss: losses[1] ?? null, niwNorm: probe.niw, coupling: probe.coupling, k };
  }

  private async readProbe(net: Net, p: np.Array): Promise<{ niw: number[]; coupling: number[] }> {
    const v = (await p.data()) as Float32Array;
    const k = net.fns.ninSites.length;
    return { niw: Array.from(v.slice(0, k)), coupling: Array.from(v.slice(k, 2 * k)) };
  }

  /** The epoch record of train(): clean test and holdout loss/acc, NIW norms and coupling. */
  private async endEpoch(epoch: number): Promise<void> {
    for (const [i, net] of this.nets.entries()) {
      const steps = net.metrics.filter((m): m is StepMetric => m.kind === "step" && m.epoch === epoch);
      const last = steps[steps.length - 1];
      const finite = !net.diverged;
      const test = finite ? await evaluate(net.fns, net.params, net.state, this.ds, this.data.test, { seed: this.evalSeed }) : { loss: NaN, acc: NaN };
      const hold = finite && this.data.holdout ? await evaluate(net.fns, net.params, net.state, this.ds, this.data.holdout, { seed: this.evalSeed }) : null;
      if (i === 0) this.lastHoldoutAcc = net.diverged ? 0.1 : (hold?.acc ?? test.acc);
      net.metrics.push({
        kind: "epoch",
        epoch,
        step: this.stepsDone,
        train_loss: steps.reduce((a, m) => a + m.loss, 0) / Math.max(1, steps.length),
        train_acc: steps.reduce((a, m) => a + m.acc, 0) / Math.max(1, steps.length),
        test_loss: test.loss,
        test_acc: test.acc,
        holdout_loss: hold?.loss ?? null,
        holdout_acc: hold?.acc ?? null,
        niw_norm: last?.niw_norm ?? [],
        coupling: last?.coupling ?? [],
        seconds: this.busySeconds,
      });
    }
  }

  private async measureK(): Promise<number> {
    const n = this.ninr;
    const b = deviceBatch(this.ds, this.data.train, this.kIdx);
    try {
      const r = await this.meter!.measure(n.params, n.state, [b], { lr: n.cfg.lr, seed: streamSeed(n.cfg.seed, `phase/trace-noise/${this.stepsDone}`) });
      const k = r.k ?? 0;
      this.kTrace.push({ step: this.stepsDone, k });
      return k;
    } finally {
      b.x.dispose();
      b.y.dispose();
    }
  }

  /** The observed phase of the run so far (null before minStepsToObserve steps, or without NINs). */
  observe(): Observation | null {
    if (!this.hasNins) return null;
    const n = this.ninr;
    if (this.stepsDone < PLAYGROUND.minStepsToObserve && !n.diverged) return null;
    return classifyTrajectory({
      steps: this.stepsDone,
      classes: this.ds.classes,
      diverged: n.diverged,
      // "Final accuracy at chance" is read only once the run is over: early in any run it is.
      finalAcc: this.done ? this.lastHoldoutAcc : null,
      ...seriesFromMetrics(n.metrics),
      k: { step: this.kTrace.map((p) => p.step), value: this.kTrace.map((p) => p.k) },
    });
  }

  /** Borrowed access for evaluation helpers (robustness, predictions). */
  nets_(): { name: "ninr" | "vanilla"; fns: StepFns; params: Params; state: ModelState; diverged: boolean }[] {
    return this.nets.map((n, i) => ({ name: i === 0 && this.hasNins ? "ninr" : "vanilla", fns: n.fns, params: n.params, state: n.state, diverged: n.diverged }));
  }

  /** The run's metrics.jsonl text (NINR net; the vanilla twin's with `vanilla`). */
  metricsJsonl(vanilla = false): string {
    const net = vanilla ? this.vanilla : this.ninr;
    return (net?.metrics ?? []).map((m) => JSON.stringify(m)).join("\n") + "\n";
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const n of this.nets) {
      tree.dispose(n.params);
      tree.dispose(n.state);
      tree.dispose(n.opt);
      n.fns.dispose();
    }
    this.probeX.dispose();
    if (this.stepKeys) this.stepKeys.dispose();
    for (const k of this.epochKeys) if (k.refCount > 0) k.dispose();
    if (this.evalKeyPending) this.evalKeyPending.dispose();
    this.meter?.dispose();
  }
}
