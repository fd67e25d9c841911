import { describe, expect, it } from "vitest";
import { HostRng } from "../../src/engine/hostRng.ts";
import { NinrError } from "../../src/errors.ts";
import {
  type ToyParams,
  type ToyTraces,
  batchMoments,
  classifyToy,
  noiseLambda,
  sampleMoments,
  sampleMomentsExplicit,
  sgdStep,
  simulateToy,
  toyBatchLoss,
  toyLossGrad,
} from "../../src/dynamics/toy.ts";
import { sweepToy, toyGrid } from "../../src/dynamics/toySweep.ts";

// ------------------------------------------------------------------------------------------
// helpers (independent of the module under test)

function randParams(n: number, rng: HostRng, scale = 0.7): ToyParams {
  const mk = () => Float64Array.from({ length: n }, () => scale * rng.normal());
  return { u: mk(), v: mk(), theta: mk() };
}
const flat = (p: ToyParams) => [...p.u, ...p.v, ...p.theta];
function unflat(w: number[], n: number): ToyParams {
  return { u: Float64Array.from(w.slice(0, n)), v: Float64Array.from(w.slice(n, 2 * n)), theta: Float64Array.from(w.slice(2 * n)) };
}
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => s + x, 0);
const sq = (a: ArrayLike<number>) => sum(Array.from(a, (x) => x * x));
const dotp = (a: ArrayLike<number>, b: ArrayLike<number>) => sum(Array.from(a, (x, i) => x * b[i]));

/** Per-sample network output f_b = v . (u x_b + theta eps_b), written out independently. */
function forward(w: number[], n: number, x: number, e: number): number {
  let f = 0;
  for (let i = 0; i < n; i++) f += w[n + i] * (w[i] * x + w[2 * n + i] * e);
  return f;
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations (dense, small n). */
function symEigenvalues(A: number[][]): number[] {
  const n = A.length;
  const a = A.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i][j] * a[i][j];
    if (off < 1e-26) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const th = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
  }
  return a.map((r, i) => r[i]).sort((x, y) => y - x);
}

// ------------------------------------------------------------------------------------------

describe("toy model gradients", () => {
  it("hand gradients match central finite differences of the per-sample loss", () => {
    const rng = new HostRng(11);
    const n = 5, B = 7, a = 0.7, sigma = 2.5;
    const p = randParams(n, rng);
    const x = Array.from({ length: B }, () => rng.normal());
    const eps = Array.from({ length: B }, () => sigma * rng.normal());
    const g = toyLossGrad(p, batchMoments(x, eps), a);
    expect(g.loss).toBeCloseTo(toyBatchLoss(p, x, eps, a), 12);
    const hand = [...g.gu, ...g.gv, ...g.gtheta];
    const w = flat(p);
    const h = 1e-5;
    for (let i = 0; i < w.length; i++) {
      const wp = [...w], wm = [...w];
      wp[i] += h;
      wm[i] -= h;
      const fd = (toyBatchLoss(unflat(wp, n), x, eps, a) - toyBatchLoss(unflat(wm, n), x, eps, a)) / (2 * h);
      expect(Math.abs(fd - hand[i])).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
    }
  });

  it("sgdStep is w - lr * grad and returns the batch loss", () => {
    const rng = new HostRng(3);
    const n = 4;
    const p = randParams(n, rng);
    const m = { sxx: 1.2, sxe: -0.3, see: 4.1 };
    const g = toyLossGrad(p, m, 1);
    const before = flat(p);
    const loss = sgdStep(p, m, 1, 0.05);
    expect(loss).toBeCloseTo(g.loss, 14);
    const grad = [...g.gu, ...g.gv, ...g.gtheta];
    flat(p).forEach((w, i) => expect(w).toBeCloseTo(before[i] - 0.05 * grad[i], 14));
  });
});

describe("noise-mode curvature", () => {
  // Tiny instance, noise only (x = 0), a fixed eps batch; m2 = mean eps^2 plays sigma^2.
  const n = 3, B = 5;
  const rng = new HostRng(21);
  const p = randParams(n, rng);
  const eps = Array.from({ length: B }, () => 1.7 * rng.normal());
  const x0 = new Array(B).fill(0);
  const m2 = sq(eps) / B;
  const Q = sq(p.v) + sq(p.theta);

  // Jacobian of the B outputs w.r.t. all 3n parameters, by central differences.
  const w = flat(p);
  const J: number[][] = eps.map((e) =>
    w.map((_, i) => {
      const wp = [...w], wm = [...w];
      wp[i] += 1e-6;
      wm[i] -= 1e-6;
      return (forward(wp, n, 0, e) - forward(wm, n, 0, e)) / 2e-6;
    }),
  );

  it("top NTK eigenvalue (J J^T / B, the loss-normalised kernel) is m2 (|v|^2 + |theta|^2)", () => {
    const K = eps.map((_, a) => eps.map((_, b) => dotp(J[a], J[b]) / B));
    const ev = symEigenvalues(K);
    expect(ev[0]).toBeCloseTo(m2 * Q, 7);
    expect(noiseLambda(p, m2)).toBeCloseTo(m2 * Q, 12);
    // rank one: the other eigenvalues vanish; the eigenvector is eps itself
    for (const e of ev.slice(1)) expect(Math.abs(e)).toBeLessThan(1e-8);
    const Ke = K.map((row) => dotp(row, eps));
    Ke.forEach((y, i) => expect(y).toBeCloseTo(m2 * Q * eps[i], 7));
  });

  it("Gauss-Newton Hessian J^T J / B has top eigenvalue m2 Q; the NIW-only block gives only m2 |v|^2", () => {
    const P = w.length;
    const G = Array.from({ length: P }, (_, i) => Array.from({ length: P }, (_, j) => sum(J.map((r) => r[i] * r[j])) / B));
    expect(symEigenvalues(G)[0]).toBeCloseTo(m2 * Q, 7);
    const Gtt = G.slice(2 * n).map((r) => r.slice(2 * n));
    expect(symEigenvalues(Gtt)[0]).toBeCloseTo(m2 * sq(p.v), 7);
  });

  it("full loss Hessian (finite differences of the hand gradient) has top eigenvalue m2 Q when v.theta = 0", () => {
    // project theta off v so that the residual term (proportional to s = v.theta) vanishes
    const q = { u: p.u, v: p.v, theta: Float64Array.from(p.theta) };
    const c = dotp(q.theta, q.v) / sq(q.v);
    q.theta.forEach((t, i) => (q.theta[i] = t - c * q.v[i]));
    const wq = flat(q);
    const m = batchMoments(x0, eps);
    const grad = (ww: number[]) => {
      const g = toyLossGrad(unflat(ww, n), m, 1);
      return [...g.gu, ...g.gv, ...g.gtheta];
    };
    const h = 1e-6;
    const H = wq.map((_, i) => {
      const wp = [...wq], wm = [...wq];
      wp[i] += h;
      wm[i] -= h;
      const gp = grad(wp), gm = grad(wm);
      return gp.map((gv, j) => (gv - gm[j]) / (2 * h));
    });
    const Hs = H.map((r, i) => r.map((_, j) => (H[i][j] + H[j][i]) / 2));
    const Qq = sq(q.v) + sq(q.theta);
    expect(symEigenvalues(Hs)[0]).toBeCloseTo(m2 * Qq, 6);
  });
});

describe("one noise-only SGD step", () => {
  // With x = 0, the gradient is m2 s (0, theta, v). Writing g = eta m2 s, the step is
  // v' = v - g theta, theta' = theta - g v, so exactly (for any eta, any fixed eps batch):
  //   Q' - Q = -4 g s + g^2 Q = eta m2 s^2 (eta m2 Q - 4) = eta s^2 m2 (eta lambda - 4)
  //   s'     = s (1 - eta lambda + g^2)
  // The docs/method.md §3.3 formula (sigma^2 for m2) is therefore exact for a single eps value (m2 = eps^2).
  const rng = new HostRng(5);
  const n = 6;
  for (const [label, epsVals] of [
    ["single eps value", new Array(8).fill(2.3)],
    ["a general fixed batch", [1.1, -0.4, 2.9, -1.7, 0.3, 0.8, -2.2, 1.5]],
  ] as const) {
    it(`change of |v|^2+|theta|^2 and of s is exact (${label})`, () => {
      for (const eta of [1e-4, 0.01, 0.05, 0.2]) {
        const p = randParams(n, rng, 0.5);
        const m = batchMoments(new Array(epsVals.length).fill(0), epsVals);
        const m2 = sq(epsVals) / epsVals.length;
        const s = dotp(p.v, p.theta);
        const Q = sq(p.v) + sq(p.theta);
        const lam = m2 * Q;
        const uBefore = Float64Array.from(p.u);
        sgdStep(p, m, 1, eta);
        const dQ = sq(p.v) + sq(p.theta) - Q;
        const predicted = eta * s * s * m2 * (eta * lam - 4);
        expect(Math.abs(dQ - predicted)).toBeLessThan(1e-12 * Math.max(1, Math.abs(Q)));
        const g = eta * m2 * s;
        expect(dotp(p.v, p.theta)).toBeCloseTo(s * (1 - eta * lam + g * g), 12);
        // lambda changes by m2 * dQ = eta m2^2 s^2 (eta lambda - 4) (docs/method.md §3.3: sigma^4 for m2^2)
        expect(noiseLambda(p, m2) - lam).toBeCloseTo(eta * m2 * m2 * s * s * (eta * lam - 4), 10);
        expect(Array.from(p.u)).toEqual(Array.from(uBefore)); // u gets no gradient without data
      }
    });
  }

  it("|v|^2+|theta|^2 shrinks below eta*lambda = 4 and grows above it", () => {
    const rng2 = new HostRng(8);
    const p0 = randParams(4, rng2, 0.5);
    const Q = sq(p0.v) + sq(p0.theta);
    for (const k of [1, 3, 3.9, 4.1, 6]) {
      const p = { u: Float64Array.from(p0.u), v: Float64Array.from(p0.v), theta: Float64Array.from(p0.theta) };
      const e = Math.sqrt(k / (0.01 * Q)); // eta = 0.01, single eps value
      sgdStep(p, batchMoments([0], [e]), 1, 0.01);
      const dQ = sq(p.v) + sq(p.theta) - Q;
      expect(Math.sign(dQ)).toBe(k < 4 ? -1 : 1);
    }
  });
});

describe("batch-moment sampler", () => {
  // Moments of (Sxx, Sxe, See) for B i.i.d. x ~ N(0,1), eps ~ N(0, sigma^2):
  // E Sxx = 1, Var Sxx = 2/B; E Sxe = 0, Var Sxe = sigma^2/B; E See = sigma^2, Var See = 2 sigma^4/B.
  const B = 6, sigma = 3, N = 20000;
  for (const [name, draw] of [["moments (Bartlett)", sampleMoments], ["explicit batch", sampleMomentsExplicit]] as const) {
    it(`${name} reproduces the exact first and second moments`, () => {
      const rng = new HostRng(99);
      const xs: number[][] = [[], [], []];
      for (let i = 0; i < N; i++) {
        const m = draw(rng, B, sigma);
        xs[0].push(m.sxx);
        xs[1].push(m.sxe);
        xs[2].push(m.see);
      }
      const mean = (a: number[]) => sum(a) / a.length;
      const vr = (a: number[]) => mean(a.map((x) => x * x)) - mean(a) ** 2;
      const s2 = sigma * sigma;
      const check = (got: number, want: number, sd: number) => expect(Math.abs(got - want)).toBeLessThan(5 * sd);
      check(mean(xs[0]), 1, Math.sqrt(2 / B / N));
      check(mean(xs[1]), 0, Math.sqrt(s2 / B / N));
      check(mean(xs[2]), s2, Math.sqrt((2 * s2 * s2) / B / N));
      // variances: accept 5% (the 4th moments make the standard error about 2-3% here)
      expect(vr(xs[0]) / (2 / B)).toBeCloseTo(1, 1);
      expect(vr(xs[1]) / (s2 / B)).toBeCloseTo(1, 1);
      expect(vr(xs[2]) / ((2 * s2 * s2) / B)).toBeCloseTo(1, 1);
      // Sxx and See are independent (x and eps are)
      const cov = mean(xs[0].map((x, i) => x * xs[2][i])) - mean(xs[0]) * mean(xs[2]);
      expect(Math.abs(cov)).toBeLessThan(5 * Math.sqrt((2 / B) * ((2 * s2 * s2) / B) / N));
    });
  }
});

describe("simulateToy", () => {
  it("is deterministic: same seed, identical traces; another seed differs", () => {
    const a = simulateToy({ k0: 3, steps: 200 }, 7);
    const b = simulateToy({ k0: 3, steps: 200 }, 7);
    const c = simulateToy({ k0: 3, steps: 200 }, 8);
    for (const key of ["loss", "testLoss", "coupling", "k", "thetaNorm"] as const) {
      expect(Array.from(a.traces[key])).toEqual(Array.from(b.traces[key]));
    }
    expect(a.outcome).toBe(b.outcome);
    expect(Array.from(c.traces.coupling)).not.toEqual(Array.from(a.traces.coupling));
  });

  it("hits the requested eta*lambda0 and records k(t) = eta sigma^2 (|v|^2+|theta|^2)", () => {
    const r = simulateToy({ k0: 1.3, steps: 10 }, 1);
    expect(r.traces.k[0]).toBeCloseTo(1.3, 12);
    expect(r.traces.k.length).toBe(11);
    expect(r.kData0).toBeGreaterThan(0.5);
    expect(r.kData0).toBeLessThan(1.5); // |u|^2 ~ n = 100, eta = 0.01
  });

  it("decay: the coupling decays at the rate ln|1 - k| per step (docs/method.md §2.5: time constant -1/ln|1-k|)", () => {
    for (const k0 of [0.3, 0.5, 1.6]) {
      const r = simulateToy({ k0, steps: 40 }, 2);
      expect(r.outcome).toBe("decay");
      // least-squares slope of ln|s_t| over steps 4..24 (after the data mode has converged)
      const ts = Array.from({ length: 21 }, (_, i) => i + 4);
      const ys = ts.map((t) => Math.log(r.traces.coupling[t]));
      const tm = sum(ts) / ts.length, ym = sum(ys) / ys.length;
      const slope = sum(ts.map((t, i) => (t - tm) * (ys[i] - ym))) / sum(ts.map((t) => (t - tm) ** 2));
      expect(Math.abs(slope - Math.log(Math.abs(1 - r.traces.k[4])))).toBeLessThan(0.06);
    }
  });

  it("catapult: k driven below 2, coupling rises, loss converges; divergence stops early", () => {
    const cat = simulateToy({ k0: 3, steps: 300 }, 0);
    expect(cat.outcome).toBe("catapult");
    expect(cat.summary.kFinal).toBeLessThan(2);
    expect(cat.summary.couplingPeak).toBeGreaterThan(3 * cat.summary.couplingAfterStep1);
    expect(cat.summary.lossFinal).toBeLessThan(1e-6);
    const div = simulateToy({ k0: 4.6, steps: 300 }, 0);
    expect(div.outcome).toBe("divergent");
    expect(div.stoppedEarly).toBe(true);
    expect(div.stepsRun).toBeLessThan(20);
  });

  it("the explicit-batch sampler gives the same phases", () => {
    const outs = [1.0, 3.0, 4.6].map((k0) => simulateToy({ k0, steps: 200, sampler: "batch" }, 1).outcome);
    expect(outs).toEqual(["decay", "catapult", "divergent"]);
  });

  it("rejects bad configurations with NinrError", () => {
    expect(() => simulateToy({ k0: 0 }, 0)).toThrow(NinrError);
    expect(() => simulateToy({ k0: 1, width: 0 }, 0)).toThrow(NinrError);
    expect(() => simulateToy({ k0: 1, lr: -1 }, 0)).toThrow(NinrError);
    expect(() => simulateToy({ k0: 1, steps: 1.5 }, 0)).toThrow(NinrError);
    expect(() => toyGrid(1, 0.5, 0.1)).toThrow(NinrError);
  });
});

describe("classifyToy", () => {
  const tr = (k: number[], coupling: number[]): ToyTraces => {
    const f = (a: number[]) => Float64Array.from(a);
    return { k: f(k), coupling: f(coupling), loss: f(k.map(() => 1)), testLoss: f(k.map(() => 0)), thetaNorm: f(k.map(() => 1)) };
  };
  const info = { stoppedEarly: false, k0: 1, steps: 100 };
  it("applies the documented rules", () => {
    expect(classifyToy(tr([1, 1], [0.1, 0.1]), { ...info, stoppedEarly: true })).toBe("divergent");
    expect(classifyToy(tr([4.5, 4.2, 4.1], [0.1, 0.1, 0.1]), info)).toBe("divergent");
    expect(classifyToy(tr([3, 3.1, 3.3], [0.1, 0.1, 0.1]), info)).toBe("divergent"); // growing >= 2
    expect(classifyToy(tr([3, 2.9, 2.8], [0.1, 0.1, 0.1]), info)).toBe("unresolved");
    expect(classifyToy(tr([3, 2.9, 1.2], [0.05, 0.05, 0.5]), info)).toBe("catapult");
    expect(classifyToy(tr([2.1, 1.9, 1.9], [0.05, 0.05, 0.01]), info)).toBe("decay"); // no rise
    expect(classifyToy(tr([1, 1, 1], [0.05, 0.04, 0.01]), info)).toBe("decay");
    expect(classifyToy(tr([0.01, 0.01], [0.05, 0.05]), { ...info, k0: 0.01, steps: 100 })).toBe("decoupled");
  });
});

describe("sweepToy (default grid, 3 seeds, 1000 steps)", () => {
  it("finds the catapult onset near 2 and the divergence ceiling near 4", () => {
    const r = sweepToy();
    expect(r.config.k0s.length).toBe(49);
    expect(r.config.seeds).toEqual([0, 1, 2]);
    expect(r.catapult_onset_k).not.toBeNull();
    expect(r.divergence_k).not.toBeNull();
    expect(Math.abs(r.catapult_onset_k! - 2)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(r.divergence_k! - 4)).toBeLessThanOrEqual(0.4);
    // docs/method.md §3.4: monotone decay up to 1.63, catapults 2.07..3.81, divergence at 4.25 and above
    const maj = (k: number) => r.points.find((p) => Math.abs(p.k0 - k) < 1e-9)!.majority;
    for (const k of [0.2, 1.0, 1.6]) expect(maj(k)).toBe("decay");
    for (const k of [2.1, 3.0, 3.8]) expect(maj(k)).toBe("catapult");
    for (const k of [4.3, 5.0]) expect(maj(k)).toBe("divergent");
    // deterministic and JSON-safe
    expect(JSON.parse(JSON.stringify(r))).toEqual(JSON.parse(JSON.stringify(sweepToy())));
  });
});
