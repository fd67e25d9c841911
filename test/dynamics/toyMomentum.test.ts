/**
 * Heavy-ball momentum in the linear toy model: beta = 0 is plain SGD bit for bit, and the
 * measured catapult onset moves to the linear-stability edge k = 2 (1 + beta) of the noise mode
 * (r^2 - (1 + beta - k) r + beta = 0 has a root of modulus >= 1 exactly when k >= 2 (1 + beta)).
 */
import { describe, expect, it } from "vitest";
import { HostRng } from "../../src/engine/hostRng.ts";
import { heavyBallStep, initToyParams, sampleMoments, sgdStep, simulateToy, zeroVelocity } from "../../src/dynamics/toy.ts";
import { sweepToy } from "../../src/dynamics/toySweep.ts";

describe("toy model with momentum", () => {
  it("beta = 0 is plain SGD (to rounding: lr * (g_a * v) vs (lr * g_a) * v)", () => {
    const a = initToyParams(20, new HostRng(3));
    const b = initToyParams(20, new HostRng(3));
    const vel = zeroVelocity(20);
    const rngA = new HostRng(9), rngB = new HostRng(9);
    for (let t = 0; t < 25; t++) {
      const la = sgdStep(a, sampleMoments(rngA, 64, 2), 1, 0.05);
      const lb = heavyBallStep(b, vel, sampleMoments(rngB, 64, 2), 1, 0.05, 0);
      expect(Math.abs(lb - la)).toBeLessThanOrEqual(1e-12 * Math.abs(la) + 1e-15);
    }
    for (const key of ["u", "v", "theta"] as const) a[key].forEach((x, i) => expect(Math.abs(b[key][i] - x), `${key}[${i}]`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(x))));
  });

  it("a noise mode below the momentum edge decays, above it is catapulted (beta 0.5: edge at k = 3)", () => {
    expect(simulateToy({ k0: 2.6, momentum: 0.5 }, 0).outcome).toBe("decay");
    expect(simulateToy({ k0: 2.6, momentum: 0 }, 0).outcome).toBe("catapult");
    expect(simulateToy({ k0: 3.4, momentum: 0.5 }, 0).outcome).toBe("catapult");
  });

  it("the measured catapult onset sits at 2 (1 + beta)", () => {
    for (const [beta, edge] of [[0, 2], [0.5, 3]] as const) {
      const k0s = Array.from({ length: 9 }, (_, i) => Number((edge - 0.8 + 0.2 * i).toFixed(1)));
      const r = sweepToy({ k0s, seeds: 3, momentum: beta });
      expect(r.catapult_onset_k, `beta ${beta}`).not.toBeNull();
      expect(Math.abs(r.catapult_onset_k! - edge), `beta ${beta}: onset ${r.catapult_onset_k}`).toBeLessThanOrEqual(0.2);
    }
  });

  it("rejects momentum outside [0, 1)", () => {
    expect(() => simulateToy({ k0: 1, momentum: 1 }, 0)).toThrow(/momentum must be a number in \[0, 1\)/);
    expect(() => simulateToy({ k0: 1, momentum: -0.1 }, 0)).toThrow(/momentum/);
  });
});
