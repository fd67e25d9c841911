import { describe, expect, it } from "vitest";
import { logLinearDecayTime, predictedDecayTime, relaxationTime } from "../../src/dynamics/fit.ts";
import { classifyTrajectory, integrateK } from "../../src/dynamics/classify.ts";

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

describe("trajectory classifier", () => {
  const base = { steps: 1000, diverged: false, maxLoss: 2.5, finalTrainAcc: 0.8 };
  it("labels the four phases", () => {
    expect(classifyTrajectory({ ...base, kSteps: [0, 500], k: [0.001, 0.001] }).phase).toBe("decoupled");
    expect(classifyTrajectory({ ...base, kSteps: [0, 500], k: [0.5, 0.4] }).phase).toBe("decay");
    expect(classifyTrajectory({ ...base, kSteps: [0, 20, 500], k: [3, 1.5, 1.2] }).phase).toBe("catapult");
    expect(classifyTrajectory({ ...base, diverged: true, kSteps: [0], k: [20] }).phase).toBe("divergent");
    expect(classifyTrajectory({ ...base, finalTrainAcc: 0.1, kSteps: [0, 500], k: [5, 1] }).phase).toBe("divergent");
    expect(classifyTrajectory({ ...base, kSteps: [0, 500], k: [3, 2.5] }).phase).toBe("divergent");
  });
  it("integrates k over the run", () => {
    expect(integrateK({ kSteps: [0, 10], k: [1, 3], steps: 20 })).toBe(20 + 30);
  });
});
