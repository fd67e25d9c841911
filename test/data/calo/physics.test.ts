import { describe, expect, it } from "vitest";
import { gammaP, lnGamma } from "../../../src/data/calo/gamma.ts";
import { drawLongitudinal, longitudinalMoments, profileFraction, profileMeanDepth, radialContainment, radialProfile } from "../../../src/data/calo/gflash.ts";
import { cauchyFractions, erf, fastAtan } from "../../../src/data/calo/lateral.ts";
import { PHYSICS } from "../../../src/data/calo/particles.ts";
import { HostRng } from "../../../src/engine/hostRng.ts";

/** Simpson's rule on [a, b] with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n = 4000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

describe("special functions", () => {
  it("lnGamma matches factorials and Gamma(1/2) = sqrt(pi)", () => {
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
  });
  it("gammaP is the integral of the gamma density (Simpson oracle), both branches", () => {
    for (const [a, x] of [[2.5, 1.0], [4.0, 9.0], [1.5, 0.3], [7.2, 7.0]]) {
      const dens = (t: number) => Math.exp((a - 1) * Math.log(t) - t - lnGamma(a));
      expect(gammaP(a, x)).toBeCloseTo(simpson(dens, 1e-12, x, 200000), 6); // Simpson converges slowly at the t^(a-1) cusp
    }
    expect(gammaP(3, 0)).toBe(0);
    expect(gammaP(3, 200)).toBeCloseTo(1, 12);
  });
  it("erf and fastAtan are accurate to their documented bounds", () => {
    for (let x = -4; x <= 4; x += 0.01) expect(Math.abs(erf(x) - (x === 0 ? 0 : erfRef(x)))).toBeLessThan(2e-7);
    for (let x = -50; x <= 50; x += 0.003) expect(Math.abs(fastAtan(x) - Math.atan(x))).toBeLessThan(1.8e-6);
  });
});

/** erf by Simpson integration of its definition (oracle). */
function erfRef(x: number): number {
  return (2 / Math.sqrt(Math.PI)) * simpson((t) => Math.exp(-t * t), 0, x, 2000);
}

describe("lateral profile", () => {
  it("cell fractions integrate the Cauchy density (finite-difference of the corner function against the density)", () => {
    const R = 0.02;
    const grid = { n: 40, cell: 0.001, offset: 0 };
    const w = new Float64Array(1600);
    cauchyFractions(grid, 0.04, 0.0031, -0.0017, R, w);
    // A tiny cell's fraction / area = density at its centre.
    for (const [i, j] of [[20, 20], [5, 33], [39, 0]]) {
      const u = -0.02 + (i + 0.5) * 0.001 - 0.0031;
      const v = -0.02 + (j + 0.5) * 0.001 + 0.0017;
      const dens = (R * R) / (Math.PI * (u * u + v * v + R * R) ** 2);
      expect(w[i * 40 + j] / 1e-6 / dens).toBeCloseTo(1, 2); // midpoint rule and fastAtan: < 1e-3
    }
  });
  it("a wide window holds the whole profile; the in-window fraction matches the radial CDF bounds", () => {
    const w = new Float64Array(100 * 100);
    const total = cauchyFractions({ n: 100, cell: 1, offset: 0 }, 100, 0, 0, 0.5, w);
    // square of half-side 50 contains more than the inscribed disc (r = 50) and less than the circumscribed one
    const disc = (r: number) => (r * r) / (r * r + 0.25);
    expect(total).toBeGreaterThan(disc(50));
    expect(total).toBeLessThan(disc(50 * Math.SQRT2));
  });
  it("the boxed core is renormalised to 1 and agrees with the full computation inside the box to < 1%", () => {
    const g = { n: 16, cell: 0.025, offset: 0 };
    const full = new Float64Array(256);
    const box = new Float64Array(256);
    cauchyFractions(g, 0.4, 0.004, -0.006, 0.004, full);
    expect(cauchyFractions(g, 0.4, 0.004, -0.006, 0.004, box, 3)).toBe(1);
    const centre = 8 * 16 + 7;
    expect(box[centre] / full[centre]).toBeCloseTo(1, 2);
  });
});

describe("GFlash parametrisation", () => {
  it("(ln T, ln alpha) are drawn with the published means, spreads and correlation", () => {
    const E = 50;
    const mo = longitudinalMoments(E, PHYSICS.medium);
    const rng = new HostRng(11);
    const n = 20000;
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < n; i++) {
      const lo = drawLongitudinal(E, PHYSICS.medium, rng);
      a.push(Math.log(lo.T));
      b.push(Math.log(lo.alpha));
    }
    const m = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    const ma = m(a);
    const mb = m(b);
    const sa = Math.sqrt(m(a.map((v) => (v - ma) ** 2)));
    const sb = Math.sqrt(m(b.map((v) => (v - mb) ** 2)));
    const rho = m(a.map((v, i) => (v - ma) * (b[i] - mb))) / (sa * sb);
    expect(ma).toBeCloseTo(mo.meanLnT, 2);
    expect(mb).toBeCloseTo(mo.meanLnAlpha, 2);
    expect(sa / mo.sigmaLnT).toBeCloseTo(1, 1);
    expect(sb / mo.sigmaLnAlpha).toBeCloseTo(1, 1);
    expect(rho).toBeCloseTo(mo.rho, 1);
    // y = E / Ec = 4545: <ln T> = ln(ln y - 0.812) (Grindhammer-Peters), by hand
    expect(mo.meanLnT).toBeCloseTo(Math.log(Math.log(50 / 0.011) - 0.812), 12);
  });
  it("profile fractions add to 1 and the mean depth is alpha / beta", () => {
    expect(profileFraction(3, 0.4, 0, 4) + profileFraction(3, 0.4, 4, 20) + profileFraction(3, 0.4, 20, 1e9)).toBeCloseTo(1, 12);
    expect(profileMeanDepth(3, 0.4, 0, 1e9)).toBeCloseTo(3 / 0.4, 8);
  });
  it("about 90% of the energy lies within one Moliere radius (depth-integrated, 20-200 GeV)", () => {
    const rng = new HostRng(5);
    for (const E of [20, 50, 200]) {
      let tot = 0;
      let inside = 0;
      for (let r = 0; r < 100; r++) {
        const lo = drawLongitudinal(E, PHYSICS.medium, rng);
        for (let t = 0.25; t < 40; t += 0.5) {
          const w = profileFraction(lo.alpha, lo.beta, t - 0.25, t + 0.25);
          tot += w;
          inside += w * radialContainment(radialProfile(E, t, lo, PHYSICS.medium), 1);
        }
      }
      expect(inside / tot).toBeGreaterThan(0.84);
      expect(inside / tot).toBeLessThan(0.94);
      // and ~99% within 3.5 R_M
    }
  });
});
