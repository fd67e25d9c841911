/**
 * Flag parsers for commander. Each one throws a NinrError naming the flag, the bad value and
 * what is allowed, so every bad flag ends as a one-line message and exit code 2.
 */
import { InvalidArgumentError } from "commander";

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A finite number, optionally bounded. `name` is the flag as the user typed it. */
export function num(name: string, opts: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean } = {}) {
  return (raw: string): number => {
    const what = opts.integer ? "an integer" : "a number";
    // Decimal notation only: Number() would also read "0x10" as 16, "0b1" as 1 and "" as 0.
    if (!DECIMAL.test(raw.trim())) throw new InvalidArgumentError(`${name} must be ${what} in decimal notation (e.g. 0.05, 1e-3), got '${raw.slice(0, 80)}'`);
    const v = Number(raw);
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`${name} must be ${what}, got '${raw}'`);
    if (opts.integer && !Number.isInteger(v)) throw new InvalidArgumentError(`${name} must be an integer, got '${raw}'`);
    const { min, max } = opts;
    if (min !== undefined && (opts.minExclusive ? v <= min : v < min))
      throw new InvalidArgumentError(`${name} must be ${opts.minExclusive ? ">" : ">="} ${min}, got ${raw}`);
    if (max !== undefined && (opts.maxExclusive ? v >= max : v > max))
      throw new InvalidArgumentError(`${name} must be ${opts.maxExclusive ? "<" : "<="} ${max}, got ${raw}`);
    return v;
  };
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (raw: string): T => {
    if (!(allowed as readonly string[]).includes(raw))
      throw new InvalidArgumentError(`${name} must be one of ${allowed.join("|")}, got '${raw}'`);
    return raw as T;
  };
}

/** A comma-separated list of numbers, each checked by `each`. */
export function numList(name: string, each: (raw: string) => number) {
  return (raw: string): number[] => {
    const parts = raw.split(",").map((s) => s.trim());
    if (parts.length === 0 || parts.some((p) => p === ""))
      throw new InvalidArgumentError(`${name} must be a comma-separated list of numbers, got '${raw}'`);
    return parts.map(each);
  };
}
