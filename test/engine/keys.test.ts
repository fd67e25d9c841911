/** Named random streams: deterministic, distinct per name and per seed, no offset collisions. */
import { describe, expect, it } from "vitest";
import { random } from "@jax-js/jax";
import { splitN, streamKey, streamSeed } from "../../src/engine/keys.ts";

describe("streamSeed", () => {
  it("is a pure function of (seed, name) with 31-bit values", () => {
    expect(streamSeed(0, "demo/test-noise/1")).toBe(streamSeed(0, "demo/test-noise/1"));
    for (let s = 0; s < 50; s++) {
      const v = streamSeed(s, "x");
      expect(Number.isInteger(v) && v >= 0 && v < 2 ** 31).toBe(true);
    }
  });

  it("gives every (seed, name) its own stream: no collisions over 20,000 pairs", () => {
    const seen = new Set<number>();
    for (let s = 0; s < 100; s++) for (let i = 0; i < 200; i++) seen.add(streamSeed(s, `phase/trace-noise/${i}`));
    // 20,000 draws from 2^31 values: the birthday bound expects ~0.09 collisions.
    expect(seen.size).toBeGreaterThanOrEqual(19_999);
  });

  it("does not alias offsets the way seed + k did (seed 1's stream a differs from seed 0's streams)", () => {
    const zero = new Set(["a", "b", "c", "a1"].map((n) => streamSeed(0, n)));
    expect(zero.has(streamSeed(1, "a"))).toBe(false);
    expect(streamSeed(1, "a")).not.toBe(streamSeed(0, "a") + 1);
    expect(streamSeed(0, "1/a")).not.toBe(streamSeed(1, "a")); // "0/1/a" vs "1/a"
  });

  it("streamKey is random.key of the stream seed", async () => {
    const a = await random.normal(streamKey(3, "k"), [4]).data();
    const b = await random.normal(random.key(streamSeed(3, "k")), [4]).data();
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it("splitN gives n distinct keys and consumes its input", async () => {
    const k = random.key(0);
    const keys = splitN(k, 3);
    expect(k.refCount).toBe(0);
    const draws = await Promise.all(keys.map(async (key) => (await random.normal(key, [1]).data())[0]));
    expect(new Set(draws).size).toBe(3);
  });
});
