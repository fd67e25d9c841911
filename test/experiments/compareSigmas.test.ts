/**
 * The comparison's sigma choice (docs/method.md §4.2, §7.2): the tolerance check that keeps the
 * decay and catapult targets apart, and sigmas.json read back as untrusted. The per-seed search
 * itself runs in the CLI smoke test (test/node/cli/experiments.test.ts).
 */
import { describe, expect, it } from "vitest";
import { COMPARE_PRESETS } from "../../src/experiments/compare.ts";
import { type ChosenSigma, acceptedRange, checkSigmaTolerance, parseSigmaCache, sigmaCache, sigmaOf } from "../../src/experiments/compareSigmas.ts";
import { NinrError } from "../../src/errors.ts";

describe("checkSigmaTolerance", () => {
  it("accepts tolerances whose decay and catapult k ranges are disjoint and on either side of k = 2", () => {
    expect(acceptedRange(1, 0.25)).toEqual([0.75, 1.25]);
    expect(acceptedRange(3, 0.25)).toEqual([2.25, 3.75]);
    for (const tol of [0.05, 0.15, 0.25, 0.3, 0.33]) expect(() => checkSigmaTolerance(tol), String(tol)).not.toThrow();
  });
  it("rejects overlapping ranges, ranges across the threshold, and non-positive tolerances", () => {
    // 0.5: decay [0.5, 1.5] touches catapult [1.5, 4.5].
    expect(() => checkSigmaTolerance(0.5)).toThrow(/overlap/);
    expect(() => checkSigmaTolerance(0.6)).toThrow(/overlap/);
    // 0.4: disjoint ([0.6, 1.4] and [1.8, 4.2]) but a "catapult" sigma could sit at k = 1.8 < 2.
    expect(() => checkSigmaTolerance(0.4)).toThrow(/across the catapult threshold/);
    expect(() => checkSigmaTolerance(0)).toThrow(NinrError);
    expect(() => checkSigmaTolerance(undefined)).toThrow(NinrError);
    expect(() => checkSigmaTolerance(NaN)).toThrow(NinrError);
  });
});

describe("parseSigmaCache", () => {
  const p = COMPARE_PRESETS.smoke;
  const choice = (seed: number, nin: "input" | "all", phase: "decay" | "catapult"): ChosenSigma => ({ model: "mlp", init: "pytorch", seed, nin, phase, target_k: phase === "decay" ? 1 : 3, sigma: 10 + seed, k: phase === "decay" ? 0.9 : 3.1, converged: true, history: [{ sigma: 10 + seed, k: 0.9 }] });
  const cell = (seed: number) => [choice(seed, "input", "decay"), choice(seed, "input", "catapult"), choice(seed, "all", "decay"), choice(seed, "all", "catapult")];

  it("no file: nothing cached, no warning; a good file round-trips", () => {
    expect(parseSigmaCache(null, p)).toEqual({ sigmas: [], warning: null });
    const sigmas = [...cell(0), ...cell(1)];
    expect(parseSigmaCache(JSON.stringify(sigmaCache(p, sigmas)), p)).toEqual({ sigmas, warning: null });
  });

  it("an empty or corrupt file is recomputed with a warning, never a SyntaxError", () => {
    for (const text of ["", "   \n", "{", '{"preset": "smoke", "sigmas": [', "null", "[]", "42", '"text"', '{"sigmas": 3}']) {
      const r = parseSigmaCache(text, p);
      expect(r.sigmas, text).toEqual([]);
      expect(r.warning, text).toMatch(/recomputing/);
    }
    expect(parseSigmaCache("", p).warning).toMatch(/empty/);
  });

  it("a cache of another search (preset, rate, budget) is not used", () => {
    const good = sigmaCache(p, cell(0));
    for (const other of [{ ...good, preset: "quick" }, { ...good, lr: 0.01 }, { ...good, sigmaSearch: { ...good.sigmaSearch, tol: 0.5 } }]) {
      const r = parseSigmaCache(JSON.stringify(other), p);
      expect(r.sigmas).toEqual([]);
      expect(r.warning).toMatch(/another search/);
    }
  });

  it("malformed, duplicated or incomplete entries are dropped (and so recomputed); the rest is kept", () => {
    // The format before sigmas were chosen per seed had neither init nor seed.
    const old = cell(1).map(({ init: _i, seed: _s, ...rest }) => rest);
    const bad = [...cell(0), ...old, { ...choice(2, "input", "decay"), sigma: -1 }, choice(3, "input", "decay"), cell(0)[0], { ...choice(4, "all", "decay"), init: "xavier" }];
    const r = parseSigmaCache(JSON.stringify({ ...sigmaCache(p, []), sigmas: bad }), p);
    expect(r.sigmas).toEqual(cell(0));
    expect(r.warning).toMatch(/8 of 12 entries/);
  });

  it("sigmaOf finds a cell's choice or names what is missing", () => {
    expect(sigmaOf(cell(0), { model: "mlp", init: "pytorch", seed: 0, nin: "all", phase: "catapult" }).sigma).toBe(10);
    expect(() => sigmaOf(cell(0), { model: "mlp", init: "he-normal", seed: 0, nin: "all", phase: "catapult" })).toThrow(/init he-normal seed 0 full-NINR catapult/);
  });
});
