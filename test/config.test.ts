/** The run schema: defaults, and every bad value a NinrError naming the key (config files are untrusted). */
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, RUN_SCHEMA, describeValue, resolveConfig } from "../src/config.ts";
import { NinrError } from "../src/errors.ts";
import { checkDataLimits } from "../src/train/prepare.ts";
import { syntheticDataset } from "../src/data/synthetic.ts";

describe("resolveConfig", () => {
  it("fills every key with its schema default", () => {
    expect(resolveConfig({})).toEqual(DEFAULT_CONFIG);
    expect(Object.keys(DEFAULT_CONFIG).sort()).toEqual(Object.keys(RUN_SCHEMA).sort());
  });

  it.each([
    ["null", null, /must be a JSON object/],
    ["a number", 42, /must be a JSON object of config keys, got 42/],
    ["a list", [1], /must be a JSON object/],
  ])("a config that is %s is refused", (_w, v, pattern) => {
    expect(() => resolveConfig(v as never)).toThrow(pattern);
  });

  it.each([
    [{ lr: null }, /config 'lr' is null; give a value, or leave the key out for the default \(0.01\)/],
    [JSON.parse('{"__proto__": {"lr": 5}}'), /unknown config key '__proto__'/],
    [{ toString: 1 }, /unknown config key 'toString'/],
    [{ epochs: 1e300 }, /config 'epochs' must be <= 100000/],
    [{ sigma: 1e300 }, /config 'sigma' must be <= 1000000/],
    [{ widths: Array.from({ length: 3000 }, () => 8) }, /widths' must be a list of 2 to 64 integers/],
    [{ widths: [784, 1e8, 10] }, /integers from 1 to 65536/],
    [{ nin: "<script>" }, /config 'nin' must be none\|input\|all or a comma list/],
    [{ model: "resnet" }, /config 'model' must be one of mlp\|cnn/],
  ])("bad config %# is a NinrError naming the key", (partial, pattern) => {
    expect(() => resolveConfig(partial as Record<string, unknown>)).toThrow(NinrError);
    expect(() => resolveConfig(partial as Record<string, unknown>)).toThrow(pattern);
  });

  it("error messages never print a huge or deeply nested value whole", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(describeValue(deep)).toBe("a list of 1 entries");
    expect(() => resolveConfig({ lr: deep })).toThrow(/config 'lr' must be a finite number, got a list of 1 entries/);
    expect(describeValue("x".repeat(10_000)).length).toBeLessThan(100);
  });
});

describe("data-dependent limits, before anything is computed", () => {
  const ds = syntheticDataset({ shape: [8, 8, 2], classes: 3, nTrain: 100, nTest: 10 });
  it("a network too large for the Wasm memory is refused with its size", () => {
    const cfg = resolveConfig({ dataset: "synthetic", widths: [128, 65536, 65536, 3], holdout: 0 });
    expect(() => checkDataLimits(ds, cfg)).toThrow(/parameters .* needs at least [0-9.]+ GiB, more than the 3 GiB .* use smaller --widths or --batch/);
  });
  it("--train-size and --batch are checked against the data, naming the flag", () => {
    expect(() => checkDataLimits(ds, resolveConfig({ dataset: "synthetic", widths: [128, 8, 3], holdout: 0, trainSize: 101 }))).toThrow(/--train-size 101 is larger than the 100 training images/);
    expect(() => checkDataLimits(ds, resolveConfig({ dataset: "synthetic", widths: [128, 8, 3], holdout: 0, batch: 200 }))).toThrow(/--batch 200 is larger than the 100 training images/);
  });
});
