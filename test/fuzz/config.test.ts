/**
 * Fuzz the config parser (src/config.ts resolveConfig) and the --config file loader
 * (src/node/cli/runFlags.ts configFromFlags): random JSON values, valid configs with keys
 * edited to hostile values (null, prototype-like keys, huge, deep, wrong types), and file texts
 * mutated byte by byte. Every input resolves to a config that passes its own schema again, or
 * throws a one-line NinrError; never another exception.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Command } from "commander";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG_KEYS, DEFAULT_CONFIG, RUN_SCHEMA, checkField, resolveConfig } from "../../src/config.ts";
import { NinrError } from "../../src/errors.ts";
import { addRunFlags, configFromFlags } from "../../src/node/cli/runFlags.ts";

const SEED = 20261202;

const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, -1, 0, 1, 1e300, -1e300, 0.5, 2 ** 53, "0x10", "1e3", "", "none", "input", "all", "nin0", "mlp", true, false, [], [784, 10], [0], [1e9, 10]),
  fc.array(fc.integer({ min: -5, max: 70000 }), { maxLength: 70 }),
  fc.integer({ min: 1000, max: 20000 }).map((d) => `<deep ${d}>`),
  fc.string({ maxLength: 200 }),
);
const key = fc.oneof(fc.constantFrom(...CONFIG_KEYS), fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "data_source", "data_dir", ""), fc.string({ maxLength: 20 }));

/** A JSON text with "<deep N>" strings expanded into N-deep nested lists. */
const text = (v: unknown) => (JSON.stringify(v) ?? "null").replace(/"<deep (\d+)>"/g, (_, d) => "[".repeat(Number(d)) + "]".repeat(Number(d)));

/** A plausible config (a few keys with valid values) with some keys set to hostile values. */
const editedConfig = fc
  .tuple(fc.subarray([...CONFIG_KEYS], { maxLength: 6 }), fc.array(fc.tuple(key, hostile), { minLength: 1, maxLength: 4 }))
  .map(([valid, edits]) => {
    let t = "{" + valid.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(DEFAULT_CONFIG[k])}`).join(", ");
    for (const [k, v] of edits) t += `${t.length > 1 ? ", " : ""}${JSON.stringify(k)}: ${text(v)}`;
    return t + "}";
  });

function expectUserErrorOrValid(f: () => unknown): void {
  let cfg: unknown;
  try {
    cfg = f();
  } catch (e) {
    if (!(e instanceof NinrError)) throw new Error(`not a NinrError: ${String((e as Error)?.stack ?? e).slice(0, 2000)}`);
    expect((e as Error).message).not.toMatch(/\n/);
    expect((e as Error).message.length).toBeLessThan(1200);
    return;
  }
  // What comes out is a complete config every key of which passes the schema.
  const c = cfg as Record<string, unknown>;
  expect(Object.keys(c).sort()).toEqual([...CONFIG_KEYS].sort());
  for (const k of CONFIG_KEYS) expect(() => checkField(RUN_SCHEMA[k], c[k], k)).not.toThrow();
}

describe("fuzz: resolveConfig", () => {
  it("random values and edited configs (parsed from JSON text, as files are): a valid config or a NinrError", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => expectUserErrorOrValid(() => resolveConfig(v as Record<string, unknown>))), { seed: SEED, numRuns: 1000 });
    fc.assert(fc.property(editedConfig, (t) => expectUserErrorOrValid(() => resolveConfig(JSON.parse(t)))), { seed: SEED, numRuns: 1000 });
  });

  it("prototype-like and null-valued keys are errors, never silently dropped or defaulted", () => {
    for (const k of ["__proto__", "constructor", "toString"]) expect(() => resolveConfig(JSON.parse(`{${JSON.stringify(k)}: {"lr": 5}}`))).toThrow(/unknown config key/);
    fc.assert(fc.property(fc.constantFrom(...CONFIG_KEYS), (k) => void expect(() => resolveConfig({ [k]: null })).toThrow(/is null/)), { seed: SEED, numRuns: 50 });
  });
});

describe("fuzz: the --config file loader", () => {
  const dir = mkdtempSync(join(tmpdir(), "ninr-fuzz-config-"));
  let n = 0;
  const load = (contents: string | Uint8Array) => {
    const path = join(dir, `c${n++}.json`);
    writeFileSync(path, contents);
    const cmd = addRunFlags(new Command("train").exitOverride());
    cmd.parse(["--config", path], { from: "user" });
    return configFromFlags(cmd.opts(), cmd);
  };

  it("edited configs, mutated bytes and random text: a valid config or a NinrError", () => {
    fc.assert(fc.property(editedConfig, (t) => expectUserErrorOrValid(() => load(t))), { seed: SEED, numRuns: 300 });
    const valid = JSON.stringify({ ...DEFAULT_CONFIG, data_source: "sample", data_dir: "/x" }, null, 2);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), (edits, cut) => {
        const b = new TextEncoder().encode(valid);
        for (const [i, byte] of edits) b[i % b.length] = byte;
        expectUserErrorOrValid(() => load(b.subarray(0, cut % 3 === 0 ? cut % (b.length + 1) : b.length)));
      }),
      { seed: SEED, numRuns: 300 },
    );
    fc.assert(fc.property(fc.string({ maxLength: 100 }), (t) => expectUserErrorOrValid(() => load(t))), { seed: SEED, numRuns: 200 });
  });

  it("a folder, a missing file, a FIFO or a huge file given as --config is a NinrError, without reading it", () => {
    const fifo = join(dir, "fifo.json");
    execFileSync("mkfifo", [fifo]);
    const huge = join(dir, "huge.json");
    writeFileSync(huge, "[" + "0,".repeat(2 ** 20) + "0]");
    for (const [path, pattern] of [[dir, /not a regular file/], [fifo, /not a regular file/], [join(dir, "missing.json"), /does not exist/], [huge, /at most \d+ bytes/]] as const) {
      const cmd = addRunFlags(new Command("train").exitOverride());
      cmd.parse(["--config", path], { from: "user" });
      expect(() => configFromFlags(cmd.opts(), cmd)).toThrow(pattern);
    }
  });
});
