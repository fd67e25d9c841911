/**
 * The optimizer transformations against hand-computed values on tiny float32 trees. Every
 * transformation consumes (grads, state, params); the tests keep what they reuse with `.ref`
 * / `tree.ref` and read results with `await x.data()`.
 */
import { describe, expect, it } from "vitest";
import { numpy as np, tree } from "@jax-js/jax";
import { type GradientTransformation, adam, addDecayedWeights, applyUpdates, chain, optimizerFor, scaleByLearningRate, sgd, traceMomentum } from "../../src/train/optim.ts";

/** A parameter tree (structurally the model's Params; defined here so the test survives its move). */
type Params = Record<string, np.Array>;

const f32 = (xs: number[]) => np.array(xs, { dtype: np.float32 });

/** A float32 tree from plain arrays. */
function leaves(o: Record<string, number[]>): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(o)) out[k] = f32(v);
  return out;
}

/** Read (and consume) every leaf. */
async function read(p: Params): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const k of Object.keys(p)) out[k] = Array.from(await p[k].data());
  return out;
}

/** Same keys, and every value within 1e-6 relative (plus a 1e-9 floor for exact zeros). */
function expectClose(actual: Record<string, number[]>, expected: Record<string, number[]>) {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const k of Object.keys(expected)) {
    expect(actual[k].length, k).toBe(expected[k].length);
    expected[k].forEach((e, i) => {
      const a = actual[k][i];
      expect(Math.abs(a - e), `${k}[${i}]: got ${a}, want ${e}`).toBeLessThanOrEqual(1e-6 * Math.abs(e) + 1e-9);
    });
  }
}

// The shared example: W = [1, -2] (decayed when masked), bias b = [0.5]; g = [0.1, 0.2], [0.3].
const W = [1, -2];
const B = [0.5];
const GW = [0.1, 0.2];
const GB = [0.3];
const params = () => leaves({ w: W, b: B });
const grads = () => leaves({ w: GW, b: GB });
const onlyW = (name: string) => name === "w";

/** `init` reads shapes only (consumes nothing), so free the tree it looked at. */
function initOf(t: GradientTransformation) {
  const p = params();
  const s = t.init(p);
  tree.dispose(p);
  return s;
}

describe("scaleByLearningRate", () => {
  it("updates = -lr * g, state untouched", async () => {
    const t = scaleByLearningRate(0.1);
    const state = initOf(t);
    expect(state).toEqual({});
    const [u, s] = t.update(grads(), state, params());
    expect(s).toEqual({});
    // -0.1 * [0.1, 0.2] = [-0.01, -0.02]; -0.1 * 0.3 = -0.03
    expectClose(await read(u), { w: [-0.01, -0.02], b: [-0.03] });
  });
});

describe("traceMomentum", () => {
  it("m <- beta m + g, starting from zero; updates = m", async () => {
    const t = traceMomentum(0.9);
    const p = params();
    let state = t.init(p); // reads shapes only: p is still ours
    expectClose(await read(tree.ref(state.momentum)), { w: [0, 0], b: [0] });

    const steps: [Record<string, number[]>, Record<string, number[]>][] = [
      // step 1: m = 0.9 * 0 + g = g
      [{ w: [1, 2], b: [-1] }, { w: [1, 2], b: [-1] }],
      // step 2: m = 0.9 * [1, 2] + [0.5, -1] = [1.4, 0.8];  0.9 * -1 + 2 = 1.1
      [{ w: [0.5, -1], b: [2] }, { w: [1.4, 0.8], b: [1.1] }],
      // step 3: m = 0.9 * [1.4, 0.8] + [0, 1] = [1.26, 1.72];  0.9 * 1.1 + 0 = 0.99
      [{ w: [0, 1], b: [0] }, { w: [1.26, 1.72], b: [0.99] }],
    ];
    for (const [g, want] of steps) {
      const [u, s] = t.update(leaves(g), state, tree.ref(p));
      state = s;
      expectClose(await read(u), want);
      expectClose(await read(tree.ref(state.momentum)), want);
    }
    tree.dispose(state);
    tree.dispose(p);
  });
});

describe("addDecayedWeights", () => {
  it("adds l2 * W to the masked leaves only", async () => {
    const t = addDecayedWeights(0.01, onlyW);
    const [u, s] = t.update(grads(), initOf(t), params());
    expect(s).toEqual({});
    // w: [0.1 + 0.01 * 1, 0.2 + 0.01 * -2] = [0.11, 0.18]; b is not masked: 0.3 unchanged
    expectClose(await read(u), { w: [0.11, 0.18], b: [0.3] });
  });

  it("with an all-true mask decays every leaf", async () => {
    const t = addDecayedWeights(0.01, () => true);
    const [u] = t.update(grads(), {}, params());
    // b: 0.3 + 0.01 * 0.5 = 0.305
    expectClose(await read(u), { w: [0.11, 0.18], b: [0.305] });
  });
});

describe("chain", () => {
  it("decay then lr gives -lr * (g + l2 * w)", async () => {
    const t = chain(addDecayedWeights(0.01, () => true), scaleByLearningRate(0.1));
    const [u] = t.update(grads(), initOf(t), params());
    // -0.1 * [0.11, 0.18] = [-0.011, -0.018];  -0.1 * 0.305 = -0.0305
    expectClose(await read(u), { w: [-0.011, -0.018], b: [-0.0305] });
  });

  it("order matters: lr then decay gives -lr * g + l2 * w", async () => {
    const t = chain(scaleByLearningRate(0.1), addDecayedWeights(0.01, () => true));
    const [u] = t.update(grads(), initOf(t), params());
    // w: [-0.01 + 0.01, -0.02 - 0.02] = [0, -0.04];  b: -0.03 + 0.005 = -0.025
    expectClose(await read(u), { w: [0, -0.04], b: [-0.025] });
  });

  it("keeps each part's state under its index", async () => {
    const t = chain(scaleByLearningRate(0.1), traceMomentum(0.5));
    const p = params();
    const s0 = t.init(p);
    expect(Object.keys(s0)).toEqual(["1.momentum"]);
    // step 1: m = -0.1 g = [-0.01, -0.02], [-0.03]
    const [u1, s1] = t.update(grads(), s0, tree.ref(p));
    expectClose(await read(u1), { w: [-0.01, -0.02], b: [-0.03] });
    // step 2 (same g): m = 0.5 * m - 0.1 g = [-0.015, -0.03], [-0.045]
    const [u2, s2] = t.update(grads(), s1, p);
    expectClose(await read(u2), { w: [-0.015, -0.03], b: [-0.045] });
    expect(Object.keys(s2)).toEqual(["1.momentum"]);
    tree.dispose(s2);
  });
});

describe("sgd", () => {
  it("lr 0.1, momentum 0.9, l2 0.01 on w only: three steps by hand", async () => {
    const opt = sgd({ lr: 0.1, momentum: 0.9, l2: 0.01, l2Mask: onlyW });
    let p = params(); // w0 = [1, -2], b0 = [0.5]
    let state = opt.init(p);
    const gs = [
      { w: [0.1, 0.2], b: [0.3] },
      { w: [-0.2, 0.0], b: [0.1] },
      { w: [0.0, 0.4], b: [-0.5] },
    ];
    // d = g + 0.01 w (w only), m = 0.9 m + d, p <- p - 0.1 m:
    // 1: d_w = [0.11, 0.18]               m_w = [0.11, 0.18]          w1 = [0.989, -2.018]
    //    m_b = 0.3                                                     b1 = 0.47
    // 2: d_w = [-0.2 + 0.00989, -0.02018] = [-0.19011, -0.02018]
    //    m_w = [0.099 - 0.19011, 0.162 - 0.02018] = [-0.09111, 0.14182]
    //    w2 = [0.989 + 0.009111, -2.018 - 0.014182] = [0.998111, -2.032182]
    //    m_b = 0.27 + 0.1 = 0.37                                       b2 = 0.47 - 0.037 = 0.433
    // 3: d_w = [0.00998111, 0.4 - 0.02032182] = [0.00998111, 0.37967818]
    //    m_w = [-0.081999 + 0.00998111, 0.127638 + 0.37967818] = [-0.07201789, 0.50731618]
    //    w3 = [0.998111 + 0.007201789, -2.032182 - 0.050731618] = [1.005312789, -2.082913618]
    //    m_b = 0.333 - 0.5 = -0.167                                    b3 = 0.433 + 0.0167 = 0.4497
    const want = [
      { w: [0.989, -2.018], b: [0.47] },
      { w: [0.998111, -2.032182], b: [0.433] },
      { w: [1.005312789, -2.082913618], b: [0.4497] },
    ];
    const wantMomentum = [
      { w: [0.11, 0.18], b: [0.3] },
      { w: [-0.09111, 0.14182], b: [0.37] },
      { w: [-0.07201789, 0.50731618], b: [-0.167] },
    ];
    for (let step = 0; step < 3; step++) {
      const [u, s] = opt.update(leaves(gs[step]), state, tree.ref(p));
      state = s;
      p = applyUpdates(p, u);
      expectClose(await read(tree.ref(p)), want[step]);
      expect(Object.keys(state)).toEqual(["1.momentum"]); // decay is part 0, momentum part 1
      expectClose(await read(tree.ref(state["1.momentum"])), wantMomentum[step]);
    }
    tree.dispose(state);
    tree.dispose(p);
  });

  it("plain sgd (no momentum, no l2) is p - lr * g with no state", async () => {
    const opt = sgd({ lr: 0.5 });
    const p = params();
    const s = opt.init(p);
    expect(s).toEqual({});
    const [u] = opt.update(grads(), s, tree.ref(p));
    // [1 - 0.05, -2 - 0.1] = [0.95, -2.1];  0.5 - 0.15 = 0.35
    expectClose(await read(applyUpdates(p, u)), { w: [0.95, -2.1], b: [0.35] });
  });
});

describe("applyUpdates", () => {
  it("adds updates leaf by leaf", async () => {
    const out = applyUpdates(params(), leaves({ w: [0.1, 0.2], b: [-0.5] }));
    // [1 + 0.1, -2 + 0.2] = [1.1, -1.8];  0.5 - 0.5 = 0
    expectClose(await read(out), { w: [1.1, -1.8], b: [0] });
  });
});

/** Adam by hand in float64 (Kingma & Ba, Algorithm 1), the oracle for scaleByAdam + lr. */
function adamReference(w0: number[], gradsPerStep: number[][], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const w = [...w0];
  const m = w.map(() => 0);
  const v = w.map(() => 0);
  gradsPerStep.forEach((g, i) => {
    const t = i + 1;
    for (let j = 0; j < w.length; j++) {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
      w[j] -= (lr * (m[j] / (1 - b1 ** t))) / (Math.sqrt(v[j] / (1 - b2 ** t)) + eps);
    }
  });
  return w;
}

describe("adam", () => {
  const steps = [[0.1, 0.2], [-0.3, 0.05], [0.02, -0.4], [0.5, 0.5]];

  it("matches the float64 reference over four steps, eager and under jit", async () => {
    const { jit } = await import("@jax-js/jax");
    const want = adamReference(W, steps, 0.01);
    for (const useJit of [false, true]) {
      const opt = adam({ lr: 0.01 });
      let p = leaves({ w: W });
      let s = opt.init(p);
      const step = (pp: Params, ss: typeof s, g: Params) => {
        const [u, ns] = opt.update(g, ss, tree.ref(pp));
        return [applyUpdates(pp, u), ns] as [Params, typeof s];
      };
      const run = useJit ? jit(step) : step;
      for (const g of steps) [p, s] = run(p, s, leaves({ w: g }));
      tree.dispose(s);
      const got = (await read(p)).w;
      got.forEach((x, i) => expect(Math.abs(x - want[i]), `jit=${useJit} w[${i}]: got ${x}, want ${want[i]}`).toBeLessThan(2e-6));
    }
  });

  it("the first step moves every weight by lr, whatever the gradient's scale (bias correction)", async () => {
    const opt = adam({ lr: 0.1 });
    const p = leaves({ w: [0, 0, 0] });
    const s = opt.init(p);
    const [u, ns] = opt.update(leaves({ w: [1e-3, -5, 200] }), s, p);
    tree.dispose(ns);
    const got = (await read(u)).w;
    // |g| / (|g| + eps): within 1e-5 of lr for every scale (eps 1e-8 against |g| = 1e-3), and the reference's value.
    got.forEach((x, i) => expect(Math.abs(Math.abs(x) - 0.1)).toBeLessThan(2e-6));
    expectClose({ w: got }, { w: adamReference([0, 0, 0], [[1e-3, -5, 200]], 0.1) });
  });

  it("optimizerFor picks the config's optimizer; adam with momentum is refused by the config", async () => {
    const { resolveConfig } = await import("../../src/config.ts");
    expect(() => resolveConfig({ optimizer: "adam", momentum: 0.9 })).toThrow(/momentum.*adam/);
    expect(() => resolveConfig({ optimizer: "rmsprop" })).toThrow(/'optimizer' must be one of sgd\|adam/);
    const cfg = resolveConfig({ optimizer: "adam", lr: 0.01 });
    const opt = optimizerFor(cfg, () => true);
    const p = leaves({ w: W });
    const s = opt.init(p);
    const [u, ns] = opt.update(leaves({ w: GW }), s, p);
    tree.dispose(ns);
    expectClose(await read(u), { w: adamReference([0, 0], [GW], 0.01) });
  });
});
