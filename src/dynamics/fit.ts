/**
 * Decay-time estimates for NIW, train-loss and test-loss trajectories (docs/method.md §2.5 and E1).
 * Pure functions on (t, y) series; times are in optimizer steps. A fitted time is a decay time
 * only when the run resolved it (`withinRun`): a 36,000-step "decay time" of a 312-step run is
 * an extrapolation, reported as null with the reason.
 */

/**
 * Exponential decay time of a series that decays towards zero (e.g. the NIW output coupling
 * ||J theta||): tau = -1 / slope of a least-squares line through (t, ln y). Short runs rarely
 * see y fall to 1/e (docs/method.md §2), and the log-linear slope needs no crossing. Fitted from the first
 * point after t0 (one SGD step can double a small coupling, so the start is the value after
 * step 1). Returns Infinity when the series does not decay, null with fewer than 3 usable points.
 * The value is a fit, however long; `withinRun` decides whether it was observed.
 */
export function logLinearDecayTime(t: number[], y: number[], fromIndex = 1): number | null {
  const xs: number[] = [];
  const ls: number[] = [];
  for (let i = fromIndex; i < t.length; i++) {
    if (Number.isFinite(y[i]) && y[i] > 0) {
      xs.push(t[i]);
      ls.push(Math.log(y[i]));
    }
  }
  if (xs.length < 3) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ml = ls.reduce((a, b) => a + b, 0) / ls.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ls[i] - ml);
    sxx += (xs[i] - mx) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  return slope < 0 ? -1 / slope : Infinity;
}

/**
 * 1/e relaxation time of a series towards its final level (e.g. a loss falling from ~2.3 to a
 * plateau): the first time (linearly interpolated) at which y - y_end has fallen to 1/e of
 * y_start - y_end, with y_end the mean of the last `tailFraction` of points and y_start the
 * value at `fromIndex`. Returns null if the series never falls that far or does not fall at all.
 */
export function relaxationTime(t: number[], y: number[], opts: { fromIndex?: number; tailFraction?: number } = {}): number | null {
  const from = opts.fromIndex ?? 0;
  const n = t.length;
  if (n - from < 3) return null;
  const tail = Math.max(1, Math.floor((n - from) * (opts.tailFraction ?? 0.1)));
  const yEnd = y.slice(n - tail).reduce((a, b) => a + b, 0) / tail;
  const drop = y[from] - yEnd;
  if (!(drop > 0) || !Number.isFinite(drop)) return null;
  const target = yEnd + drop / Math.E;
  for (let i = from + 1; i < n; i++) {
    if (y[i] <= target) {
      const f = (y[i - 1] - target) / (y[i - 1] - y[i]);
      return t[i - 1] - t[from] + f * (t[i] - t[i - 1]);
    }
  }
  return null;
}

/** The decay time theory predicts for 0 < k < 2 (docs/method.md §2): -1 / ln|1 - k|. */
export function predictedDecayTime(k: number): number {
  const a = Math.abs(1 - k);
  return a === 0 ? 0 : -1 / Math.log(a);
}

/** A time observed within a run, or null and why not. */
export type TimeWithinRun = { time: number | null; note: string | null };

/**
 * Keep a fitted time only when the run resolved it: finite, positive and at most
 * `maxFraction * steps` (docs/method.md §2.5: the run must cover at least 1/maxFraction time
 * constants). Otherwise `time` is null and `note` says why, starting "not observed within the
 * run" when the fit exists but is too slow or does not decay.
 */
export function withinRun(time: number | null, steps: number, maxFraction: number, what = "the series"): TimeWithinRun {
  if (time === null) return { time: null, note: `${what}: too few points to fit or no 1/e relaxation within the run` };
  if (!Number.isFinite(time)) return { time: null, note: `not observed within the run: ${what} does not decay` };
  const limit = maxFraction * steps;
  if (!(time > 0) || time > limit) return { time: null, note: `not observed within the run: ${what} takes ${Number(time.toPrecision(3))} steps (> ${maxFraction} x ${steps} steps)` };
  return { time, note: null };
}
