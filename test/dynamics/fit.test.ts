import { describe, expect, it } from "vitest";
import { logLinearDecayTime, predictedDecayTime, relaxationTime, withinRun } from "../../src/dynamics/fit.ts";

const range = (n: number, step = 1) => Array.from({ length: n }, (_, i) => i * step);

describe("decay-time fits", () => {
  it("recover the time constant of an exact exponential", () => {
    const t = range(50, 4);
    expect(logLinearDecayTime(t, t.map((s) => 3 * Math.exp(-s / 37)))).toBeCloseTo(37, 6);
    expect(relaxationTime(t, t.map((s) => 0.4 + 2 * Math.exp(-s / 20)), { tailFraction: 0.05 })!).toBeCloseTo(20, 0);
  });

  it("say 'no decay' for growing or flat series", () => {
    const t = range(10);
    expect(logLinearDecayTime(t, t.map((s) => Math.exp(s / 5)))).toBe(Infinity);
    expect(relaxationTime(t, t.map(() => 1))).toBeNull();
    expect(logLinearDecayTime([0, 1], [1, 0.5])).toBeNull();
  });

  it("match the linear map |1-k|^t of docs/method.md §2", () => {
    for (const k of [0.1, 0.5, 1.5, 1.9]) {
      const t = range(60);
      const y = t.map((s) => Math.abs(1 - k) ** s);
      expect(logLinearDecayTime(t, y)).toBeCloseTo(predictedDecayTime(k), 6);
    }
  });
});

// The k(t)-only trajectory classifier that was tested here is gone (issue 10: its observed phase
// came from k alone, which made "predicted = observed" partly circular); the observed-phase
// classifier is tested on synthetic traces in test/dynamics/classify.test.ts.
describe("times observed within the run", () => {
  it("keeps a time only when it is at most the given fraction of the run", () => {
    expect(withinRun(40, 300, 0.5)).toEqual({ time: 40, note: null });
    expect(withinRun(150, 300, 0.5).time).toBe(150);
    // The example: a 36,000-step "decay time" of a 312-step run.
    const slow = withinRun(35980, 312, 0.5, "the coupling");
    expect(slow.time).toBeNull();
    expect(slow.note).toBe("not observed within the run: the coupling takes 36000 steps (> 0.5 x 312 steps)");
    expect(withinRun(Infinity, 312, 0.5, "the coupling")).toEqual({ time: null, note: "not observed within the run: the coupling does not decay" });
    expect(withinRun(null, 312, 0.5).time).toBeNull();
    expect(withinRun(-3, 312, 0.5).time).toBeNull();
  });
});
