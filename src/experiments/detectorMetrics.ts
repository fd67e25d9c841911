/**
 * Detector metrics (pure): ROC curves, ROC AUC and background rejection 1/eps_B at fixed signal
 * efficiency, for scores where larger means "more signal-like" (signal = prompt photon, label 1);
 * and the physics baseline, a logistic regression on the shower shapes.
 */

/** ROC AUC = P(score_signal > score_background), ties counted one half (Mann-Whitney, by ranks). */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  let nPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && scores[idx[j]] === scores[idx[i]]) j++;
    const r = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (labels[idx[k]] === 1) {
      rankSum += r;
      nPos++;
    }
    i = j;
  }
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

export type RocPoint = { signal_eff: number; background_eff: number };

/** The ROC curve: (signal efficiency, background efficiency) at every distinct threshold, from (0, 0) to (1, 1). */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocPoint[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let nPos = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) nPos++;
  const nNeg = labels.length - nPos;
  const out: RocPoint[] = [{ signal_eff: 0, background_eff: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && scores[idx[j]] === scores[idx[i]]) {
      if (labels[idx[j]] === 1) tp++;
      else fp++;
      j++;
    }
    out.push({ signal_eff: tp / nPos, background_eff: fp / nNeg });
    i = j;
  }
  return out;
}

/**
 * Background rejection 1/eps_B at signal efficiency `eff`: the lowest background efficiency of a
 * threshold that keeps at least `eff` of the signal. When no background passes, eps_B is taken
 * as 1/n_B (rejection capped at the number of background events: a lower bound).
 */
export function rejectionAt(roc: RocPoint[], eff: number, nBackground: number): number {
  let best = 1;
  for (const p of roc) if (p.signal_eff >= eff - 1e-12) best = Math.min(best, p.background_eff);
  return 1 / Math.max(best, 1 / nBackground);
}

export const WORKING_POINTS = [0.5, 0.8, 0.9] as const;

export type DetectorMetrics = { auc: number; rejection: Record<string, number> };

export function detectorMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>): DetectorMetrics {
  const roc = rocCurve(scores, labels);
  let nNeg = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 1) nNeg++;
  return { auc: rocAuc(scores, labels), rejection: Object.fromEntries(WORKING_POINTS.map((e) => [String(e), rejectionAt(roc, e, nNeg)])) };
}

/** Solve A x = b (n x n, row-major) by Gaussian elimination with partial pivoting. */
function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]) > Math.abs(M[p * n + c])) p = r;
    for (let k = 0; k < n; k++) [M[c * n + k], M[p * n + k]] = [M[p * n + k], M[c * n + k]];
    [x[c], x[p]] = [x[p], x[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c] / M[c * n + c];
      for (let k = c; k < n; k++) M[r * n + k] -= f * M[c * n + k];
      x[r] -= f * x[c];
    }
  }
  for (let c = n - 1; c >= 0; c--) {
    let s = x[c];
    for (let k = c + 1; k < n; k++) s -= M[c * n + k] * x[k];
    x[c] = s / M[c * n + c];
  }
  return x;
}

export type LogisticModel = { mean: number[]; std: number[]; weights: number[]; bias: number };

/**
 * L2-regularised logistic regression by Newton's method (IRLS) on standardised features.
 * @param X rows of features; @param y labels 0/1; @param ridge penalty on the weights (not the bias)
 */
export function fitLogistic(X: number[][], y: ArrayLike<number>, ridge = 1e-3, iters = 30): LogisticModel {
  const n = X.length;
  const d = X[0].length;
  const mean = Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[j], 0) / n);
  const std = Array.from({ length: d }, (_, j) => Math.sqrt(X.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / n) || 1);
  const Z = X.map((r) => [...r.map((v, j) => (v - mean[j]) / std[j]), 1]);
  const m = d + 1;
  let w = new Float64Array(m);
  for (let it = 0; it < iters; it++) {
    const H = new Float64Array(m * m);
    const g = new Float64Array(m);
    for (let i = 0; i < n; i++) {
      const z = Z[i];
      let t = 0;
      for (let k = 0; k < m; k++) t += w[k] * z[k];
      const p = 1 / (1 + Math.exp(-t));
      const s = p * (1 - p);
      for (let a = 0; a < m; a++) {
        g[a] += (p - y[i]) * z[a];
        for (let b = 0; b < m; b++) H[a * m + b] += s * z[a] * z[b];
      }
    }
    for (let a = 0; a < d; a++) {
      g[a] += ridge * n * w[a];
      H[a * m + a] += ridge * n;
    }
    const step = solve(H, g, m);
    let change = 0;
    w = w.map((v, k) => {
      change = Math.max(change, Math.abs(step[k]));
      return v - step[k];
    });
    if (change < 1e-10) break;
  }
  return { mean, std, weights: Array.from(w.subarray(0, d)), bias: w[d] };
}

/** Decision function (log-odds of signal) of a fitted model. */
export function logisticScore(m: LogisticModel, x: number[]): number {
  let t = m.bias;
  for (let j = 0; j < x.length; j++) t += m.weights[j] * ((x[j] - m.mean[j]) / m.std[j]);
  return t;
}
