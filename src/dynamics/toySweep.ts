/**
 * Sweeps of the linear toy model (docs/method.md §3.4): a grid of eta * lambda0, several seeds a
 * point, the outcome of every run, and the measured catapult onset and divergence ceiling.
 */
import { median } from "../stats.ts";
import { NinrError } from "../errors.ts";
import { type ToyConfig, type ToyOutcome, type ToyRun, TOY_DEFAULTS, TOY_OUTCOMES, simulateToy, stripUndefined } from "./toy.ts";

// ---------------------------------------------------------------------------------------------
// Sweep
// ---------------------------------------------------------------------------------------------

/** Default grid: k0 = 0.2, 0.3, ..., 5.0 (step 0.1 everywhere, so also near 2 and 4). */
export function toyGrid(kMin = 0.2, kMax = 5.0, kStep = 0.1): number[] {
  if (!(Number.isFinite(kMin) && Number.isFinite(kMax) && Number.isFinite(kStep)) || kMin <= 0 || kStep <= 0)
    throw new NinrError(`toy grid: need finite k-min > 0 and k-step > 0, got ${kMin}, ${kStep}`);
  if (kMax < kMin) throw new NinrError(`toy grid: k-max (${kMax}) must be >= k-min (${kMin})`);
  const count = Math.floor((kMax - kMin) / kStep + 1e-9) + 1;
  if (count > 100_000) throw new NinrError(`toy grid: ${count} points is too many; raise k-step`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Number((kMin + i * kStep).toPrecision(12)));
  return out;
}

export interface ToySweepOptions extends Partial<Omit<ToyConfig, "k0">> {
  /** k0 values (default toyGrid()). */
  k0s?: number[];
  /** Seed count (seeds 0..n-1) or explicit seeds (default 3). */
  seeds?: number | number[];
}

/** One run, reduced for JSON (non-finite numbers become null). */
export interface ToyRunRecord {
  seed: number;
  outcome: ToyOutcome;
  sigma: number;
  k_data0: number;
  steps_run: number;
  final_k: number | null;
  max_k: number | null;
  coupling_init: number;
  coupling_after_step1: number | null;
  peak_coupling: number | null;
  final_coupling: number | null;
  loss_init: number;
  peak_loss: number | null;
  final_loss: number | null;
}

export interface ToySweepPoint {
  k0: number;
  counts: Record<ToyOutcome, number>;
  /** The outcome of more than half of the seeds, or null. */
  majority: ToyOutcome | null;
  /** Median over seeds of final eta*lambda (non-divergent runs only; null if none). */
  final_k_median: number | null;
  /** Median over seeds of peak |v.theta| (non-divergent runs only; null if none). */
  peak_coupling_median: number | null;
  runs: ToyRunRecord[];
}

export interface ToySweepResult {
  /** Midpoint between the largest majority-decay k0 and the smallest majority-catapult k0. */
  catapult_onset_k: number | null;
  /** Midpoint between the largest majority-converging k0 and the smallest majority-divergent k0. */
  divergence_k: number | null;
  points: ToySweepPoint[];
  config: Omit<ToyConfig, "k0"> & { k0s: number[]; seeds: number[] };
}

const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Median, null for no values (JSON has no NaN). */
const medianOrNull = (xs: number[]): number | null => (xs.length ? median(xs) : null);

function record(r: ToyRun): ToyRunRecord {
  const s = r.summary;
  return {
    seed: r.seed,
    outcome: r.outcome,
    sigma: r.sigma,
    k_data0: r.kData0,
    steps_run: r.stepsRun,
    final_k: fin(s.kFinal),
    max_k: fin(s.kMax),
    coupling_init: s.couplingInit,
    coupling_after_step1: fin(s.couplingAfterStep1),
    peak_coupling: fin(s.couplingPeak),
    final_coupling: fin(s.couplingFinal),
    loss_init: s.lossInit,
    peak_loss: fin(s.lossPeak),
    final_loss: fin(s.lossFinal),
  };
}

const CONVERGED: readonly ToyOutcome[] = ["decoupled", "decay", "catapult"];

/** Run every (k0, seed) and locate the catapult onset and the divergence ceiling. */
export function sweepToy(opts: ToySweepOptions = {}): ToySweepResult {
  const { k0s: k0sOpt, seeds: seedsOpt, ...rest } = opts;
  const base: Omit<ToyConfig, "k0"> = { ...TOY_DEFAULTS, ...stripUndefined(rest) } as Omit<ToyConfig, "k0">;
  const k0s = k0sOpt ?? toyGrid();
  if (k0s.length === 0) throw new NinrError("toy sweep: k0 list is empty");
  const seedsIn = seedsOpt ?? 3;
  let seeds: number[];
  if (typeof seedsIn === "number") {
    if (!Number.isInteger(seedsIn) || seedsIn < 1) throw new NinrError(`toy sweep: seeds must be an integer >= 1, got ${seedsIn}`);
    seeds = Array.from({ length: seedsIn }, (_, i) => i);
  } else {
    if (seedsIn.length === 0) throw new NinrError("toy sweep: seed list is empty");
    seeds = [...seedsIn];
  }
  const sorted = [...k0s].sort((a, b) => a - b);

  const points: ToySweepPoint[] = sorted.map((k0) => {
    const runs = seeds.map((seed) => simulateToy({ ...base, k0 }, seed));
    const counts = Object.fromEntries(TOY_OUTCOMES.map((o) => [o, 0])) as Record<ToyOutcome, number>;
    for (const r of runs) counts[r.outcome]++;
    const maj = TOY_OUTCOMES.find((o) => counts[o] * 2 > runs.length) ?? null;
    const ok = runs.filter((r) => r.outcome !== "divergent");
    return {
      k0,
      counts,
      majority: maj,
      final_k_median: medianOrNull(ok.map((r) => r.summary.kFinal)),
      peak_coupling_median: medianOrNull(ok.map((r) => r.summary.couplingPeak)),
      runs: runs.map(record),
    };
  });

  const n = seeds.length;
  const majorityOf = (pt: ToySweepPoint, set: readonly ToyOutcome[]) => set.reduce((c, o) => c + pt.counts[o], 0) * 2 > n;
  const mid = (lo: number | undefined, hi: number | undefined) =>
    lo === undefined || hi === undefined ? null : Number(((lo + hi) / 2).toPrecision(12));
  const largest = (pred: (p: ToySweepPoint) => boolean) => points.filter(pred).map((p) => p.k0).pop();
  const smallest = (pred: (p: ToySweepPoint) => boolean) => points.filter(pred).map((p) => p.k0)[0];

  return {
    catapult_onset_k: mid(largest((p) => p.majority === "decay"), smallest((p) => p.majority === "catapult")),
    divergence_k: mid(largest((p) => majorityOf(p, CONVERGED)), smallest((p) => p.majority === "divergent")),
    points,
    config: { ...base, k0s: sorted, seeds },
  };
}
