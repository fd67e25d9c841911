/**
 * Run flags derived from the config schema (src/config.ts): one flag per RunConfig key, with
 * the schema's type, range and help, so no enum, range or default is written twice. Booleans
 * whose default is true become `--no-<key>`.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { existsSync, readFileSync, statSync } from "node:fs";
import { CONFIG_KEYS, type Field, RUN_SCHEMA, type RunConfig, checkField, resolveConfig } from "../../config.ts";
import { NinrError } from "../../errors.ts";
import { type DeviceKind, defaultDeviceKind } from "../device.ts";
import { num, numList, oneOf } from "./flags.ts";

/** camelCase key -> kebab-case flag. */
export const flagName = (key: string) => "--" + key.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());

function describe(f: Field): string {
  const d = Array.isArray(f.default) ? f.default.join(",") : String(f.default);
  if (f.type === "enum") return `${f.help}: ${f.values().join(" | ")} (default ${d})`;
  return f.type === "bool" ? f.help : `${f.help} (default ${d})`;
}

/** The commander option of one schema key. `defaultOverride` changes the default shown in help (presets, demo). */
export function runOption(key: keyof RunConfig, defaultOverride?: unknown): Option {
  const f: Field = { ...RUN_SCHEMA[key], ...(defaultOverride !== undefined ? { default: defaultOverride } : {}) } as Field;
  const name = flagName(key);
  if (f.type === "bool") return f.default ? new Option(`--no-${name.slice(2)}`, `${f.help} (off: --no-...)`) : new Option(name, describe(f));
  const o = new Option(`${name} <value>`, describe(f));
  if (f.type === "enum") return o.argParser((raw: string) => oneOf(name, f.values())(raw));
  if (f.type === "number") return o.argParser(num(name, { min: f.min, max: f.max, minExclusive: f.minOpen, maxExclusive: f.maxOpen, integer: f.integer }));
  if (f.type === "ints") return o.argParser(numList(name, num(name, { min: 1, integer: true })));
  return o.argParser((raw: string) => {
    try {
      return checkField(f, raw, name) as string;
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  });
}

/** Every run flag, plus --config and --data. */
export function addRunFlags(cmd: Command): Command {
  for (const key of CONFIG_KEYS) cmd.addOption(runOption(key));
  return cmd
    .addOption(new Option("--config <file>", "JSON file with RunConfig keys (flags override it)"))
    .addOption(new Option("--data <dir>", "folder with the data files (Fashion-MNIST IDX)"));
}

/** Config files are a few hundred bytes; a bigger one is not a config (and is not read into memory). */
const MAX_CONFIG_BYTES = 2 ** 20;

/** Read --config (if any), overlay the flags the user gave, validate. */
export function configFromFlags(opts: Record<string, unknown>, cmd: Command, base: Partial<RunConfig> = {}): RunConfig {
  let fromFile: Record<string, unknown> = {};
  if (typeof opts.config === "string") {
    if (!existsSync(opts.config)) throw new NinrError(`--config: file '${opts.config}' does not exist`);
    // A FIFO would block the read forever; a folder or device is no config either.
    const st = statSync(opts.config);
    if (!st.isFile()) throw new NinrError(`--config: '${opts.config}' is not a regular file (a folder, FIFO or device); give a JSON file`);
    if (st.size > MAX_CONFIG_BYTES) throw new NinrError(`--config: '${opts.config}' has ${st.size} bytes; a config file is a small JSON object (at most ${MAX_CONFIG_BYTES} bytes)`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(opts.config, "utf8"));
    } catch (e) {
      // JSON.parse quotes the text around the error, which may hold newlines or control bytes.
      const why = (e as Error).message.replace(/[\x00-\x1f\x7f]+/g, " ").slice(0, 200);
      throw new NinrError(`--config: '${opts.config}' is not valid JSON (${why})`);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new NinrError(`--config: '${opts.config}' must hold a JSON object of RunConfig keys`);
    fromFile = { ...(parsed as Record<string, unknown>) };
    // A run folder's config.json carries data provenance keys; they are not RunConfig keys.
    delete fromFile.data_source;
    delete fromFile.data_dir;
  }
  const fromFlags: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    // Only flags the user actually typed override the file (commander fills in negatable defaults).
    if (opts[key] !== undefined && cmd.getOptionValueSource(key) === "cli") fromFlags[key] = opts[key];
  }
  // NINR_DEVICE is the device's default: a config file or the flag overrides it.
  return resolveConfig({ device: defaultDeviceKind(), ...base, ...fromFile, ...fromFlags });
}

/** The device a verb without the run flags computes on: its --device (runOption("device")), else NINR_DEVICE, else wasm. */
export function deviceFromFlags(opts: Record<string, unknown>): DeviceKind {
  return (opts.device as DeviceKind | undefined) ?? defaultDeviceKind();
}
