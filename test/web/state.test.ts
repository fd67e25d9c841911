/**
 * The playground's URL state (web/src/state.ts): round trips, and bad links open with the
 * nearest valid settings and a notice naming what changed; nothing is executed.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { DEFAULT_SETTINGS, FIELDS, NOISE_KINDS, PLACEMENTS, PRESET_NAMES, THETA_INITS, type Settings, parseState, serializeState, sigmaToSlider, sliderToSigma } from "../../web/src/state.ts";

const settingsArb: fc.Arbitrary<Settings> = fc.record({
  sigma: fc.double({ min: FIELDS.sigma.min, max: FIELDS.sigma.max, noNaN: true }),
  eta: fc.double({ min: FIELDS.eta.min, max: FIELDS.eta.max, noNaN: true }),
  placement: fc.constantFrom(...PLACEMENTS),
  noise: fc.constantFrom(...NOISE_KINDS),
  thetaInit: fc.constantFrom(...THETA_INITS),
  thetaScale: fc.double({ min: FIELDS.thetaScale.min, max: FIELDS.thetaScale.max, noNaN: true }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  steps: fc.integer({ min: FIELDS.steps.min, max: FIELDS.steps.max }),
  testNoise: fc.double({ min: 0, max: 1, noNaN: true }),
  preset: fc.constantFrom(null, ...PRESET_NAMES),
});

describe("playground URL state", () => {
  it("an empty query gives the defaults and no notice", () => {
    expect(parseState("")).toMatchObject({ settings: DEFAULT_SETTINGS, notices: [] });
  });

  it("every valid state survives serialize -> parse exactly (a link reproduces the run)", () => {
    fc.assert(
      fc.property(settingsArb, (s) => {
        const back = parseState("?" + serializeState(s));
        expect(back.notices).toEqual([]);
        expect(back.settings).toEqual(s);
      }),
      { numRuns: 300 },
    );
  });

  it("out-of-range numbers are clamped to the nearest valid value, with a notice", () => {
    const r = parseState("sigma=-3&eta=50&seed=2.7&steps=5&testNoise=7");
    expect(r.settings.sigma).toBe(FIELDS.sigma.min);
    expect(r.settings.eta).toBe(FIELDS.eta.max);
    expect(r.settings.seed).toBe(3);
    expect(r.settings.steps).toBe(FIELDS.steps.min);
    expect(r.settings.testNoise).toBe(1);
    expect(r.notices).toHaveLength(5);
    expect(r.notices[0]).toMatch(/^sigma "-3" is below the minimum 0.001; using 0.001$/);
    expect(r.notices[2]).toMatch(/seed "2.7" is not a whole number; using 3/);
  });

  it("garbage, unknown words and unknown keys fall back to the defaults, with notices", () => {
    const r = parseState("sigma=abc&placement=everywhere&noise=&preset=foo&x=1&seed=0x10&eta=Infinity");
    expect(r.settings).toEqual(DEFAULT_SETTINGS);
    expect(r.notices.join("\n")).toMatch(/sigma "abc" is not a number/);
    expect(r.notices.join("\n")).toMatch(/placement "everywhere" is not one of none, input, logit, all/);
    expect(r.notices.join("\n")).toMatch(/preset "foo" is not one of decoupled, decay, catapult, divergent/);
    expect(r.notices.join("\n")).toMatch(/unknown setting "x" ignored/);
    expect(r.notices.join("\n")).toMatch(/seed "0x10" is not a number/);
    expect(r.notices.join("\n")).toMatch(/eta "Infinity" is not a number/);
    expect(r.given.has("preset")).toBe(false);
  });

  it("markup and script in the URL stay inert text, shortened in notices", () => {
    const evil = "<img src=x onerror=alert(1)>".repeat(5);
    const r = parseState(`preset=${encodeURIComponent(evil)}&${encodeURIComponent(evil)}=1`);
    expect(r.settings.preset).toBeNull();
    for (const n of r.notices) {
      expect(n.length).toBeLessThan(200);
      expect(n).toContain('"<img src=x onerror=alert(1)>');
    }
  });

  it("a repeated key keeps the first value and says so", () => {
    const r = parseState("seed=4&seed=9");
    expect(r.settings.seed).toBe(4);
    expect(r.notices).toEqual(["seed given more than once; using the first value"]);
  });

  it("the log slider maps the sigma range monotonically onto 0..1000 and back within 3 digits", () => {
    expect(sigmaToSlider(FIELDS.sigma.min)).toBe(0);
    expect(sigmaToSlider(FIELDS.sigma.max)).toBe(1000);
    let prev = -Infinity;
    for (let p = 0; p <= 1000; p += 50) {
      const s = sliderToSigma(p);
      expect(s).toBeGreaterThan(prev);
      prev = s;
      expect(Math.abs(sigmaToSlider(s) - p)).toBeLessThanOrEqual(1);
    }
  });
});
