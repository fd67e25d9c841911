/**
 * The pure-JS SHA-256 against node:crypto (padding edge cases, multi-byte UTF-8, a long input,
 * random strings), and contentHash against node:crypto and the hash jobs are named by.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, contentHash, sha256Hex } from "../src/hash.ts";
// The sweep's jobs (was src/sweep/spec.ts with a node:crypto jobHash; now job.hash = contentHash({kind, spec})).
import { canonicalJson as sweepCanonicalJson, makeJob } from "../src/experiments/jobs.ts";

const nodeSha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** mulberry32: a tiny seeded PRNG, so the random cases are the same on every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random string mixing 1-, 2-, 3- and 4-byte UTF-8 code points (no lone surrogates). */
function randomString(r: () => number): string {
  const len = Math.floor(r() * 200);
  const ranges: [number, number][] = [[0x20, 0x7f], [0x80, 0x7ff], [0x800, 0xd7ff], [0xe000, 0xffff], [0x10000, 0x10ffff]];
  let s = "";
  for (let i = 0; i < len; i++) {
    const [lo, hi] = ranges[Math.floor(r() * ranges.length)];
    s += String.fromCodePoint(lo + Math.floor(r() * (hi - lo)));
  }
  return s;
}

describe("sha256Hex", () => {
  it("matches the FIPS 180-4 vectors", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("matches node:crypto on a 1,000,000-char string", () => {
    const s = "a".repeat(1_000_000);
    expect(sha256Hex(s)).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    expect(sha256Hex(s)).toBe(nodeSha(s));
  });

  it("hashes the UTF-8 bytes of multi-byte text", () => {
    for (const s of ["σ=0.5 — ε", "日本語", "emoji 🎲🧪", "\u0000nul"]) expect(sha256Hex(s)).toBe(nodeSha(s));
  });

  it("pads correctly around the block boundary (55, 56, 63, 64, 65 bytes)", () => {
    // 55 bytes leave exactly room for 0x80 + 8 length bytes in one block; 56 needs a second.
    for (const n of [55, 56, 63, 64, 65, 119, 120, 128]) {
      const s = "x".repeat(n);
      expect(sha256Hex(s), `length ${n}`).toBe(nodeSha(s));
    }
    // Same lengths in bytes, built from 2-byte characters ("é" is 0xC3 0xA9) plus ASCII.
    for (const n of [55, 56, 63, 64, 65]) {
      const s = "é".repeat(n >> 1) + "y".repeat(n & 1);
      expect(new TextEncoder().encode(s).length).toBe(n);
      expect(sha256Hex(s), `utf8 length ${n}`).toBe(nodeSha(s));
    }
  });

  it("matches node:crypto on 200 seeded random strings", () => {
    const r = rng(12345);
    for (let i = 0; i < 200; i++) {
      const s = randomString(r);
      expect(sha256Hex(s), JSON.stringify(s)).toBe(nodeSha(s));
    }
  });
});

describe("canonicalJson / contentHash", () => {
  it("sorts keys at every level, drops undefined, keeps array order", () => {
    const v = { z: 1, a: { y: [3, { q: 1, p: undefined, o: null }], x: "s" }, u: undefined };
    expect(canonicalJson(v)).toBe('{"a":{"x":"s","y":[3,{"o":null,"q":1}]},"z":1}');
    expect(canonicalJson(v)).toBe(sweepCanonicalJson(v));
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
  });

  it("names the sweep's jobs, and equals the old node:crypto jobHash for the same job", () => {
    const echo = makeJob("echo", { tag: "t", ms: 5 });
    expect(echo.hash).toBe(contentHash({ kind: "echo", spec: { ms: 5, tag: "t" } }));
    expect(echo.hash).toBe(nodeSha(canonicalJson({ kind: "echo", spec: { ms: 5, tag: "t" } })).slice(0, 12));
    const job = { kind: "x", args: { b: 1, a: [1, { d: 2, c: 3 }] } };
    // Pinned independently (the old jobHash was node:crypto SHA-256 of the canonical JSON, first 12
    // hex digits): existing sweep folders are named by this value, so it must never change.
    expect(canonicalJson(job)).toBe('{"args":{"a":[1,{"c":3,"d":2}],"b":1},"kind":"x"}');
    expect(contentHash(job)).toBe(nodeSha(canonicalJson(job)).slice(0, 12));
    expect(contentHash(job)).toBe("133bedc64cdf");
    expect(contentHash(job)).toMatch(/^[0-9a-f]{12}$/);
    expect(contentHash({ args: { a: [1, { c: 3, d: 2 }], b: 1 }, kind: "x" })).toBe(contentHash(job));
  });
});
