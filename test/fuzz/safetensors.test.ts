/**
 * Fuzz the safetensors decoder (files read back are untrusted): valid files, the same files
 * mutated (bit flips, truncation, a rewritten header length, header entries edited to random
 * JSON, huge or overlapping offsets), and random bytes. Every input either decodes into tensors
 * that lie inside the file, match dtype x shape and do not overlap, or throws a NinrError; never
 * another exception, never more memory than the file holds, never more than a moment.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { NinrError } from "../../src/errors.ts";
import { decodeSafetensors, encodeSafetensors, type HostTensor } from "../../src/io/safetensors.ts";

const SEED = 20261202;

/** A file of 1-3 small F32 tensors (values are irrelevant to the decoder's checks). */
const validFile = fc
  .array(fc.tuple(fc.stringMatching(/^[a-z]{1,6}(\.[a-z]{1,6})?$/), fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 0, maxLength: 3 })), { minLength: 1, maxLength: 3 })
  .map((entries) => {
    const tensors: Record<string, HostTensor> = {};
    for (const [name, shape] of entries) tensors[name] = { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => i + 0.5) };
    return encodeSafetensors(tensors, { dense_layout: "out_in" });
  });

/** Split a file into its header (parsed) and its data section. */
function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const hlen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen))), data: bytes.subarray(8 + hlen) };
}

/** A file from a header value (any JSON; "<deep N>" strings become N-deep nested lists) and a data section. */
function join(header: unknown, data: Uint8Array): Uint8Array {
  const text = (JSON.stringify(header) ?? "").replace(/"<deep (\d+)>"/g, (_, d) => "[".repeat(Number(d)) + "]".repeat(Number(d)));
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Values an attacker would put in a header field. */
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(-1, -8, 2 ** 53, 2 ** 53 + 2, 1e300, -0, 0.5, 4.000001, Number.MAX_SAFE_INTEGER, "F32", "F64", "0", [], [0], [0, 0], [8, 0], [0, 2 ** 40], [-4, 0]),
  fc.tuple(fc.integer({ min: -16, max: 1 << 20 }), fc.integer({ min: -16, max: 1 << 20 })),
  fc.array(fc.integer({ min: -2, max: 2 ** 31 }), { maxLength: 5 }),
  // Deeply nested: a naive JSON.stringify in an error message overflows the stack.
  fc.integer({ min: 1000, max: 200000 }).map((d) => `<deep ${d}>`),
);

type Mutation = (bytes: Uint8Array) => Uint8Array;

const bitFlips: fc.Arbitrary<Mutation> = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }).map((flips) => (b) => {
  const c = b.slice();
  for (const [i, bit] of flips) c[i % c.length] ^= 1 << bit;
  return c;
});
const truncation: fc.Arbitrary<Mutation> = fc.nat().map((n) => (b) => b.subarray(0, n % (b.length + 1)));
const headerLength: fc.Arbitrary<Mutation> = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((len) => (b) => {
  const c = b.slice();
  new DataView(c.buffer).setBigUint64(0, len, true);
  return c;
});
const headerEdit: fc.Arbitrary<Mutation> = fc
  .tuple(fc.nat(), fc.constantFrom("dtype", "shape", "data_offsets", "entry", "metadata", "__proto__", "duplicate"), hostileValue)
  .map(([pick, field, value]) => (b) => {
    const { header, data } = split(b);
    const names = Object.keys(header).filter((k) => k !== "__metadata__");
    const name = names[pick % names.length];
    const entry = header[name] as Record<string, unknown>;
    if (field === "entry") header[name] = value;
    else if (field === "metadata") header.__metadata__ = value;
    else if (field === "__proto__") return join(JSON.parse(`{"__proto__": ${JSON.stringify(entry)}}`), data);
    else if (field === "duplicate") header[name + "_copy"] = { ...entry }; // same span twice
    else entry[field] = value;
    return join(header, data);
  });
/** Many entries all pointing at the whole data section: the decoder must not copy it once per entry. */
const amplification: fc.Arbitrary<Mutation> = fc.integer({ min: 2000, max: 5000 }).map((copies) => () => {
  const data = new Uint8Array(1 << 20);
  const header: Record<string, unknown> = {};
  for (let i = 0; i < copies; i++) header[`t${i}`] = { dtype: "F32", shape: [1 << 18], data_offsets: [0, 1 << 20] };
  return join(header, data);
});

/** The decoder's contract on one input. */
function check(bytes: Uint8Array): void {
  const t0 = performance.now();
  let out: ReturnType<typeof decodeSafetensors>;
  try {
    out = decodeSafetensors(bytes, "fuzz.safetensors");
  } catch (e) {
    if (!(e instanceof NinrError)) throw new Error(`not a NinrError: ${String((e as Error)?.stack ?? e).slice(0, 2000)}`);
    expect((e as Error).message.length).toBeLessThan(1000);
    expect((e as Error).message).not.toMatch(/\n/);
    return;
  } finally {
    expect(performance.now() - t0).toBeLessThan(2000);
  }
  let total = 0;
  for (const [name, t] of Object.entries(out.tensors)) {
    expect(Object.hasOwn(out.tensors, name)).toBe(true);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    total += t.data.byteLength;
  }
  // Non-overlapping spans inside the file: never more tensor bytes than the file has.
  expect(total).toBeLessThanOrEqual(bytes.length);
  for (const v of Object.values(out.metadata)) expect(typeof v).toBe("string");
  // A "__proto__" entry would set the result's prototype instead of naming a tensor.
  expect(Object.getPrototypeOf(out.tensors)).toBe(Object.prototype);
}

describe("fuzz: decodeSafetensors", () => {
  it("valid files decode to what was written", () => {
    fc.assert(
      fc.property(validFile, (bytes) => {
        const { tensors } = decodeSafetensors(bytes);
        for (const t of Object.values(tensors)) expect(Array.from(t.data)).toEqual(Array.from(t.data, (_, i) => i + 0.5));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it("mutated files: a NinrError or tensors inside the file, never another exception", () => {
    fc.assert(
      fc.property(validFile, fc.array(fc.oneof(bitFlips, truncation, headerLength, headerEdit, headerEdit), { minLength: 1, maxLength: 3 }), (bytes, mutations) => {
        let b = bytes;
        for (const m of mutations) {
          try {
            b = m(b);
          } catch {
            // A header edit on an already-broken file (not JSON any more): keep the last file.
          }
        }
        check(b);
        // As read from disk: a Buffer, whose slices are views at unaligned offsets.
        check(Buffer.from(b));
      }),
      { seed: SEED, numRuns: 800 },
    );
  });

  it("many entries over one span, and random bytes", () => {
    fc.assert(fc.property(amplification, (m) => check(m(new Uint8Array()))), { seed: SEED, numRuns: 5 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (b) => check(b)), { seed: SEED, numRuns: 1000 });
    // Random bytes behind a plausible header length.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (tail) => {
        const b = new Uint8Array(8 + tail.length);
        new DataView(b.buffer).setBigUint64(0, BigInt(Math.min(tail.length, 64)), true);
        b.set(tail, 8);
        check(b);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });
});
