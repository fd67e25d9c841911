/**
 * The observed-phase classifier (src/dynamics/classify.ts, docs/method.md §2.6) on synthetic
 * traces whose behaviour is known by construction: one per phase, plus the near misses that must
 * not count (a decay slower than the run, a spike without k's fall, k's fall without a spike).
 */
import { describe, expect, it } from "vitest";
import { OBSERVED_PHASES, OBSERVED_THRESHOLDS, type ObservedRun, chanceLevels, classifyTrajectory, seriesFromMetrics } from "../../src/dynamics/classify.ts";
import type { Metric } from "../../src/train/loop.ts";

const T = 300;
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const K_STEPS = [0, 2, 5, 10, 20, 35, 60, 100, 160, 250, T];
/** Deterministic +-amp multiplicative wiggle (a stand-in for SGD noise). */
const wiggle = (i: number, amp: number) => 1 + amp * Math.sin(1.7 * i + 0.3 * i * i);

/** A run of T steps: loss at steps 0..T-1, probes after steps 1..T, k at K_STEPS. */
function run(f: { loss?: (t: number) => number; coupling?: (t: number) => number; theta?: (t: number) => number; k?: (t: number) => number; acc?: number | null; classes?: number; diverged?: boolean }): ObservedRun {
  const loss = f.loss ?? ((t) => 1 + 1.3 * Math.exp(-t / 80));
  const coupling = f.coupling ?? (() => 0.01);
  const theta = f.theta ?? (() => 0.466);
  const k = f.k ?? (() => 0.5);
  const ls = range(0, T);
  const ps = range(1, T + 1);
  return {
    steps: T,
    classes: f.classes ?? 10,
    diverged: f.diverged ?? false,
    finalAcc: f.acc === undefined ? 0.8 : f.acc,
    loss: { step: ls, value: ls.map((t, i) => loss(t) * wiggle(i, 0.03)) },
    probe: { step: ps, coupling: ps.map(coupling), niwNorm: ps.map(theta) },
    k: { step: K_STEPS, value: K_STEPS.map(k) },
  };
}

describe("observed phases from synthetic traces", () => {
  it("decay: an exponential coupling decay inside the run, its time constant within 5%", () => {
    const tau = 40;
    const o = classifyTrajectory(run({ coupling: (t) => 0.2 * Math.exp(-t / tau) * wiggle(t, 0.05), theta: (t) => 0.9 + 0.1 * Math.exp(-t / tau) }));
    expect(o.phase).toBe("decay");
    expect(o.niwDecay.time!).toBeGreaterThan(0.95 * tau);
    expect(o.niwDecay.time!).toBeLessThan(1.05 * tau);
    expect(o.niwDecay.note).toBeNull();
    expect(o.nearChance).toBe(false);
  });

  it("decay is read from the coupling, not from k: the same trace with k above 2 throughout is still decay", () => {
    const o = classifyTrajectory(run({ coupling: (t) => 0.2 * Math.exp(-t / 25), theta: (t) => 0.9 + 0.1 * Math.exp(-t / 25), k: () => 5 }));
    expect(o.phase).toBe("decay");
    expect(o.niwDecay.time!).toBeCloseTo(25, 6);
  });

  it("a decay slower than the run is not decay, and its time is null 'not observed within the run'", () => {
    // tau = 1000 steps in a 300-step run: the coupling falls by 26% only; the fit extrapolates.
    const o = classifyTrajectory(run({ coupling: (t) => 0.2 * Math.exp(-t / 1000), theta: (t) => 0.466 * (1 - 0.3 * (t / T)) }));
    expect(o.phase).not.toBe("decay");
    expect(o.phase).toBe("unresolved");
    expect(o.niwDecay.time).toBeNull();
    expect(o.niwDecay.note).toMatch(/^not observed within the run/);
    expect(o.facts.coupling_tau_fit!).toBeCloseTo(1000, 3);
    expect(o.reason).toMatch(/no rule applies/);
  });

  it("a fast fit without an e-fold drop is not decay either", () => {
    // Falls with tau 20 to a floor at 60% of the start: fitted tau inside, drop 1.6x < e.
    const o = classifyTrajectory(run({ coupling: (t) => 0.12 + 0.08 * Math.exp(-t / 20), theta: (t) => 0.466 * (1 - 0.3 * (t / T)) }));
    expect(o.phase).not.toBe("decay");
    expect(o.niwDecay.time).toBeNull();
  });

  it("catapult: loss and coupling spike, then k falls below 2, no divergence", () => {
    const spike = (t: number) => Math.exp(-(((t - 12) / 6) ** 2));
    const catapult = run({
      loss: (t) => 2.3 + 5 * spike(t) - 1.2 * (t / T),
      coupling: (t) => 0.01 * (1 + 4 * spike(t)) * (1 - 0.5 * (t / T)),
      theta: (t) => 0.466 * (1 - 0.4 * (t / T)),
      k: (t) => (t <= 20 ? 6 : 1.2),
    });
    const o = classifyTrajectory(catapult);
    expect(o.phase).toBe("catapult");
    expect(o.facts.loss_rise!).toBeGreaterThan(2);
    expect(o.facts.coupling_rise!).toBeGreaterThan(3);
    expect(o.reason).toMatch(/k fell to 1.2 < 2 at step 35/);
    // The same spike while k never falls below 2: not a catapult (and nothing else applies).
    expect(classifyTrajectory({ ...catapult, k: { step: K_STEPS, value: K_STEPS.map(() => 6) } }).phase).toBe("unresolved");
    // k falling from 6 to 1.2 without any rise of loss or coupling: not a catapult either.
    const quiet = run({ theta: (t) => 0.466 * (1 - 0.4 * (t / T)), k: (t) => (t <= 20 ? 6 : 1.2) });
    expect(classifyTrajectory(quiet).phase).toBe("unresolved");
    // Only start and end k (ninr train): 6 at the start, 1.2 at the end still shows the fall.
    expect(classifyTrajectory({ ...catapult, k: { step: [0, T], value: [6, 1.2] } }).phase).toBe("catapult");
    // k starting below 2 and staying there: k never fell below 2, so no catapult.
    expect(classifyTrajectory({ ...catapult, k: { step: [0, T], value: [1.5, 1.2] } }).phase).toBe("unresolved");
  });

  it("a spike that ends near chance is still a catapult, flagged near_chance", () => {
    const spike = (t: number) => Math.exp(-(((t - 12) / 6) ** 2));
    const o = classifyTrajectory(run({ loss: (t) => 2.3 + 5 * spike(t), coupling: (t) => 0.01 * (1 + 4 * spike(t)), theta: () => 0.3, k: (t) => (t <= 20 ? 6 : 1.2), acc: 0.23 }));
    expect(o.phase).toBe("catapult");
    expect(o.nearChance).toBe(true);
  });

  it("divergent: NaN, exploding loss, or a run stopped on divergence", () => {
    const nan = run({ loss: (t) => (t >= 50 ? Number.NaN : 2.3) });
    expect(classifyTrajectory(nan).phase).toBe("divergent");
    expect(classifyTrajectory(run({ loss: (t) => (t >= 50 ? 1e7 : 2.3) })).phase).toBe("divergent");
    expect(classifyTrajectory(run({ coupling: (t) => (t >= 50 ? Infinity : 0.01) })).phase).toBe("divergent");
    const stopped = classifyTrajectory(run({ diverged: true }));
    expect(stopped.phase).toBe("divergent");
    expect(stopped.niwDecay).toEqual({ time: null, note: "divergent run" });
  });

  it("chance accuracy: divergent and near_chance, whatever the trace shows", () => {
    const decaying = { coupling: (t: number) => 0.2 * Math.exp(-t / 40), theta: (t: number) => 0.9 + 0.1 * Math.exp(-t / 40) };
    const o = classifyTrajectory(run({ ...decaying, acc: 0.12 }));
    expect(o.phase).toBe("divergent");
    expect(o.nearChance).toBe(true);
    expect(o.reason).toMatch(/at chance/);
    // 1.5 / classes: 3 classes put chance level at 0.5.
    expect(classifyTrajectory(run({ ...decaying, acc: 0.45, classes: 3 })).phase).toBe("divergent");
    expect(classifyTrajectory(run({ ...decaying, acc: 0.55, classes: 3 })).phase).toBe("decay");
  });

  it("decoupled: ||theta|| and the coupling barely move; the network's own Jacobian may grow the coupling", () => {
    expect(classifyTrajectory(run({})).phase).toBe("decoupled");
    // ||theta|| constant, coupling x3 late in the run (J growing while the network learns).
    const o = classifyTrajectory(run({ coupling: (t) => 0.01 * (1 + 2 * (t / T) ** 3) }));
    expect(o.phase).toBe("decoupled");
    expect(o.facts.theta_change).toBe(0);
    // NIWs that move by 30%: not decoupled.
    expect(classifyTrajectory(run({ theta: (t) => 0.466 * (1 + 0.3 * (t / T)) })).phase).toBe("unresolved");
    // A coupling that fell 30% (a decay that did not complete): not decoupled.
    expect(classifyTrajectory(run({ coupling: (t) => 0.01 * (1 - 0.3 * Math.min(1, t / 100)) })).phase).toBe("unresolved");
  });

  it("near chance and at chance levels scale with the classes", () => {
    expect(chanceLevels(10).atChance).toBeCloseTo(0.15, 12);
    expect(chanceLevels(10).nearChance).toBeCloseTo(0.28, 12);
    expect(chanceLevels(3).atChance).toBeCloseTo(0.5, 12);
    expect(chanceLevels(2).nearChance).toBeCloseTo(0.75, 12);
    expect(classifyTrajectory(run({ acc: 0.6 })).nearChance).toBe(false);
    expect(classifyTrajectory(run({ acc: null })).nearChance).toBe(false);
  });

  it("says unresolved, not a guess, without a probe trace", () => {
    const o = classifyTrajectory({ ...run({}), loss: { step: [], value: [] }, probe: { step: [], coupling: [], niwNorm: [] } });
    expect(o.phase).toBe("unresolved");
    expect(OBSERVED_PHASES).toContain(o.phase);
    // ... but a diverged run is divergent with or without one.
    expect(classifyTrajectory({ ...run({ diverged: true }), loss: { step: [], value: [] }, probe: { step: [], coupling: [], niwNorm: [] } }).phase).toBe("divergent");
  });

  it("the thresholds are the documented ones", () => {
    expect(OBSERVED_THRESHOLDS).toMatchObject({ divergeLoss: 1e6, chanceFactor: 1.5, nearChanceSkill: 0.2, riseFactor: 1.2, lossMedianWindow: 5, kCatapult: 2, withinRunFraction: 0.5, decayMinDrop: Math.E, decoupledMaxChange: 0.15 });
  });
});

describe("seriesFromMetrics", () => {
  it("loss before each step, the probe after it, NINs combined, later epochs' end probes appended", () => {
    const step = (s: number, loss: number, niw: number[], coupling: number[]): Metric => ({ kind: "step", step: s, epoch: 0, loss, acc: 0.5, niw_norm: niw, coupling });
    const epoch = (e: number, s: number, niw: number[], coupling: number[]): Metric => ({ kind: "epoch", epoch: e, step: s, train_loss: 1, train_acc: 0.5, test_loss: 1, test_acc: 0.5, holdout_loss: null, holdout_acc: null, niw_norm: niw, coupling, seconds: 1 });
    const r = seriesFromMetrics([step(0, 2.3, [3, 4], [0.3, 0.4]), step(1, 2.2, [3, 4], [0.6, 0.8]), epoch(0, 2, [3, 4], [0.6, 0.8]), epoch(1, 4, [0, 1], [1, 0])]);
    expect(r.loss).toEqual({ step: [0, 1], value: [2.3, 2.2] });
    expect(r.probe.step).toEqual([1, 2, 4]);
    expect(r.probe.niwNorm).toEqual([5, 5, 1]);
    expect(r.probe.coupling[0]).toBeCloseTo(0.5, 12);
    expect(r.probe.coupling[1]).toBeCloseTo(1, 12);
    expect(r.probe.coupling[2]).toBe(1);
  });
});
