/**
 * A minimal WebAssembly binary encoder: just enough of the format (LEB128, sections, locals,
 * a counted loop, the SIMD opcodes the kernels use) for bench/wasm/kernels.ts to assemble its
 * timing loops as raw bytes, with no dependency.
 */

type Bytes = number[];

/** Unsigned LEB128 (u32). */
function uleb(n: number): Bytes {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`uleb: bad ${n}`);
  const out: Bytes = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Signed LEB128 (i32). */
function sleb(n: number): Bytes {
  n |= 0;
  const out: Bytes = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const utf8 = (s: string): Bytes => {
  const b = [...Buffer.from(s, "utf8")];
  return [...uleb(b.length), ...b];
};
const vec = (items: Bytes[]): Bytes => [...uleb(items.length), ...items.flat()];
const section = (id: number, payload: Bytes): Bytes => [id, ...uleb(payload.length), ...payload];

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

const simd = (n: number): Bytes => [0xfd, ...uleb(n)];
/** memarg: log2(alignment), offset */
const memarg = (alignLog2: number, offset: number): Bytes => [...uleb(alignLog2), ...uleb(offset)];

export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32const: (v: number) => [0x41, ...sleb(v)],
  i32eqz: [0x45],
  i32add: [0x6a],
  i32sub: [0x6b],
  i32load: (off: number) => [0x28, ...memarg(2, off)],
  i32store: (off: number) => [0x36, ...memarg(2, off)],
  f32load: (off: number) => [0x2a, ...memarg(2, off)],
  f32store: (off: number) => [0x38, ...memarg(2, off)],
  f32add: [0x92],
  f32mul: [0x94],
  v128load: (off: number) => [...simd(0x00), ...memarg(4, off)],
  v128load32splat: (off: number) => [...simd(0x09), ...memarg(2, off)],
  v128store: (off: number) => [...simd(0x0b), ...memarg(4, off)],
  f32x4splat: simd(0x13),
  f32x4add: simd(0xe4),
  f32x4mul: simd(0xe6),
  /** relaxed-simd f32x4.relaxed_madd(a, b, c) = a * b + c, opcode 0xFD 261 */
  f32x4relaxedMadd: simd(261),
};

export class Fn {
  readonly locals: number[] = [];
  readonly body: Bytes = [];
  constructor(
    readonly params: number[],
    readonly results: number[] = [],
  ) {}
  local(type: number): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }
  emit(...parts: Bytes[]): this {
    for (const p of parts) this.body.push(...p);
    return this;
  }
  /** `block (br_if counter==0) loop body; counter -= 1; br_if counter != 0 end end` */
  countedLoop(counter: number, body: () => void): this {
    this.emit(op.block, op.get(counter), op.i32eqz, op.brIf(0), op.loop);
    body();
    this.emit(op.get(counter), op.i32const(1), op.i32sub, op.tee(counter), op.brIf(0), op.end, op.end);
    return this;
  }
  encodeBody(): Bytes {
    const groups: Bytes[] = [];
    for (let i = 0; i < this.locals.length; ) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      groups.push([...uleb(j - i), this.locals[i]]);
      i = j;
    }
    const code = [...vec(groups), ...this.body, ...op.end];
    return [...uleb(code.length), ...code];
  }
}

/** One memory (exported as "mem") and the given functions, each exported under its name. */
export function encodeModule(funcs: { name: string; fn: Fn }[], memoryPages = 1): Uint8Array {
  const types = funcs.map(({ fn }) => [0x60, ...vec(fn.params.map((t) => [t])), ...vec(fn.results.map((t) => [t]))]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(memoryPages)]])),
    ...section(7, vec([...funcs.map(({ name }, i) => [...utf8(name), 0x00, ...uleb(i)]), [...utf8("mem"), 0x02, 0x00]])),
    ...section(10, vec(funcs.map(({ fn }) => fn.encodeBody()))),
  ];
  return new Uint8Array(bytes);
}
