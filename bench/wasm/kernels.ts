/**
 * The kernels bench/wasmPeak.ts times (chains, matmul micro-kernels, scalar, clock; the header of
 * bench/wasmPeak.ts describes each). Every kernel stores its accumulators to memory and checks them
 * against the same recurrence recomputed in JS with Math.fround per operation.
 */
import { F32, Fn, I32, V128, encodeModule, op } from "./encode.ts";

export type Kernel = {
  kernel: string;
  tile: string;
  /** live v128 (or f32) values in the loop */
  live: string;
  bytes: Uint8Array;
  /** FLOPs per unit of n */
  flopsPerN: number;
  /** writes the inputs into memory (before every call) */
  setup: (mem: ArrayBuffer) => void;
  /** checks the outputs after a call with n; returns a note, throws on mismatch */
  check: (mem: ArrayBuffer, n: number) => string;
  /** n for the correctness check */
  checkN: number;
};

const fr = Math.fround;
const f32bits = (x: number) => {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x);
  return dv.getInt32(0);
};
const ulpDist = (a: number, b: number) => {
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  const ia = f32bits(a);
  const ib = f32bits(b);
  return (ia < 0) !== (ib < 0) ? (a === b ? 0 : Infinity) : Math.abs(ia - ib);
};
function compare(got: ArrayLike<number>, want: ArrayLike<number>): { exact: number; maxUlp: number } {
  let exact = 0;
  let maxUlp = 0;
  for (let i = 0; i < want.length; i++) {
    if (Object.is(got[i], want[i])) exact++;
    maxUlp = Math.max(maxUlp, ulpDist(got[i], want[i]));
  }
  return { exact, maxUlp };
}
class CheckError extends Error {}

/** Common verdict: mul+add kernels must match bit for bit; madd may be fused or not. */
function verdict(name: string, fused: boolean | "either", got: Float32Array, unfused: Float32Array, fusedRef: Float32Array): string {
  const u = compare(got, unfused);
  const f = compare(got, fusedRef);
  const n = got.length;
  if (fused === false) {
    if (u.exact !== n) throw new CheckError(`${name}: ${n - u.exact}/${n} values differ from the JS reference (max ${u.maxUlp} ulp), e.g. got ${got[0]} want ${unfused[0]}`);
    return "exact";
  }
  if (u.exact === n && f.exact !== n) return "exact; not fused (mul+add)";
  if (f.maxUlp <= 1 && u.exact !== n) return `fused (FMA): ${f.exact}/${n} bit-exact, max ${f.maxUlp} ulp vs single-rounding ref`;
  if (u.exact === n && f.exact === n) return "exact (fused and unfused agree)";
  throw new CheckError(`${name}: result matches neither the fused nor the unfused reference (unfused: ${u.exact}/${n} exact, max ${u.maxUlp} ulp; fused: ${f.exact}/${n}, max ${f.maxUlp} ulp)`);
}

const LANE_C = [0.999, 0.998, 0.9995, 0.9985];
const LANE_D = [0.001, 0.0023, 0.00071, 0.0017];

/** acc_i = acc_i * c + d on A accumulators; mode v128 mul+add, v128 relaxed_madd, or scalar f32. */
export function chainKernel(A: number, mode: "muladd" | "madd" | "scalar"): Kernel {
  const fn = new Fn([I32]);
  const n = 0;
  const isVec = mode !== "scalar";
  const T = isVec ? V128 : F32;
  const load = isVec ? op.v128load : op.f32load;
  const store = isVec ? op.v128store : op.f32store;
  const c = fn.local(T);
  const d = fn.local(T);
  const acc = Array.from({ length: A }, () => fn.local(T));
  // layout: c at 0, d at 16, acc_i at 32 + 16 i (the scalar kernel uses lane 0 of each slot)
  fn.emit(op.i32const(0), load(0), op.set(c), op.i32const(0), load(16), op.set(d));
  acc.forEach((a, i) => fn.emit(op.i32const(0), load(32 + 16 * i), op.set(a)));
  fn.countedLoop(n, () => {
    for (const a of acc) {
      if (mode === "madd") fn.emit(op.get(a), op.get(c), op.get(d), op.f32x4relaxedMadd, op.set(a));
      else if (mode === "muladd") fn.emit(op.get(a), op.get(c), op.f32x4mul, op.get(d), op.f32x4add, op.set(a));
      else fn.emit(op.get(a), op.get(c), op.f32mul, op.get(d), op.f32add, op.set(a));
    }
  });
  acc.forEach((a, i) => fn.emit(op.i32const(0), op.get(a), store(32 + 16 * i)));
  const lanes = isVec ? 4 : 1;
  const init = (i: number, l: number) => fr(0.5 + 0.37 * i + 0.11 * l);
  const cs = isVec ? LANE_C : [0.999];
  const ds = isVec ? LANE_D : [0.001];
  const reference = (iters: number, fused: boolean) => {
    const out = new Float32Array(A * lanes);
    for (let i = 0; i < A; i++)
      for (let l = 0; l < lanes; l++) {
        const cl = fr(cs[l]);
        const dl = fr(ds[l]);
        let x = init(i, l);
        for (let t = 0; t < iters; t++) x = fused ? fr(x * cl + dl) : fr(fr(x * cl) + dl);
        out[i * lanes + l] = x;
      }
    return out;
  };
  const name = mode === "scalar" ? "scalar f32 mul+add" : mode === "madd" ? "f32x4 relaxed_madd" : "f32x4 mul+add";
  return {
    kernel: name,
    tile: `${A} acc`,
    live: isVec ? `${A + 2}` : `${A + 2} f32`,
    bytes: encodeModule([{ name: "run", fn }]),
    flopsPerN: A * lanes * 2,
    checkN: 3000,
    setup(mem) {
      const f = new Float32Array(mem);
      f.fill(0, 0, 8 + 4 * A);
      if (isVec) {
        for (let l = 0; l < 4; l++) {
          f[l] = cs[l];
          f[4 + l] = ds[l];
        }
        for (let i = 0; i < A; i++) for (let l = 0; l < 4; l++) f[8 + 4 * i + l] = init(i, l);
      } else {
        f[0] = cs[0];
        f[4] = ds[0];
        // scalar: per-accumulator d is not expressible with one d local, so use d_i = d for all.
        for (let i = 0; i < A; i++) f[8 + 4 * i] = init(i, 0);
      }
    },
    check(mem, iters) {
      const f = new Float32Array(mem);
      const got = new Float32Array(A * lanes);
      for (let i = 0; i < A; i++) for (let l = 0; l < lanes; l++) got[i * lanes + l] = f[8 + 4 * i + l];
      if (!isVec) {
        // recompute with the single d the kernel uses
        const want = new Float32Array(A);
        for (let i = 0; i < A; i++) {
          let x = init(i, 0);
          for (let t = 0; t < iters; t++) x = fr(fr(x * fr(cs[0])) + fr(ds[0]));
          want[i] = x;
        }
        return verdict(name, false, got, want, want);
      }
      return verdict(name, mode === "madd" ? "either" : false, got, reference(iters, false), reference(iters, true));
    },
  };
}

const K = 256;
const PA = 1024; // A panel: K x R f32, packed per k
/** Matmul micro-kernel: R x V tile of f32x4 accumulators, K-loop over packed A (R per k) and B (V vectors per k). */
export function microKernel(R: number, V: number, splat: "splat" | "load32_splat", arith: "muladd" | "madd"): Kernel {
  const PB = PA + Math.ceil((K * R * 4) / 16) * 16; // B panel: K x V x f32x4
  const fn = new Fn([I32]);
  const reps = 0;
  const pa = fn.local(I32);
  const pb = fn.local(I32);
  const k = fn.local(I32);
  const acc = Array.from({ length: R * V }, () => fn.local(V128));
  const b = Array.from({ length: V }, () => fn.local(V128));
  const s = fn.local(V128);
  acc.forEach((a, i) => fn.emit(op.i32const(0), op.v128load(16 * i), op.set(a)));
  fn.countedLoop(reps, () => {
    fn.emit(op.i32const(PA), op.set(pa), op.i32const(PB), op.set(pb), op.i32const(K), op.set(k));
    fn.emit(op.loop);
    for (let j = 0; j < V; j++) fn.emit(op.get(pb), op.v128load(16 * j), op.set(b[j]));
    for (let r = 0; r < R; r++) {
      if (splat === "splat") fn.emit(op.get(pa), op.f32load(4 * r), op.f32x4splat, op.set(s));
      else fn.emit(op.get(pa), op.v128load32splat(4 * r), op.set(s));
      for (let j = 0; j < V; j++) {
        const a = acc[r * V + j];
        if (arith === "madd") fn.emit(op.get(s), op.get(b[j]), op.get(a), op.f32x4relaxedMadd, op.set(a));
        else fn.emit(op.get(a), op.get(s), op.get(b[j]), op.f32x4mul, op.f32x4add, op.set(a));
      }
    }
    fn.emit(op.get(pa), op.i32const(4 * R), op.i32add, op.set(pa));
    fn.emit(op.get(pb), op.i32const(16 * V), op.i32add, op.set(pb));
    fn.emit(op.get(k), op.i32const(1), op.i32sub, op.tee(k), op.brIf(0), op.end);
  });
  acc.forEach((a, i) => fn.emit(op.i32const(0), op.get(a), op.v128store(16 * i)));

  const aVal = (kk: number, r: number) => fr(0.5 + ((kk * 7 + r * 3) % 17) / 32);
  const bVal = (kk: number, j: number, l: number) => fr((((kk * 5 + j * 4 + l) % 13) - 6) / 64 + 1e-4 * (l + 1));
  const accInit = (i: number, l: number) => fr(0.125 * i + 0.3 * l);
  const reference = (nreps: number, fused: boolean) => {
    const out = new Float32Array(R * V * 4);
    for (let i = 0; i < R * V * 4; i++) out[i] = accInit(i >> 2, i & 3);
    for (let t = 0; t < nreps; t++)
      for (let kk = 0; kk < K; kk++)
        for (let r = 0; r < R; r++) {
          const sv = aVal(kk, r);
          for (let j = 0; j < V; j++)
            for (let l = 0; l < 4; l++) {
              const i = (r * V + j) * 4 + l;
              out[i] = fused ? fr(sv * bVal(kk, j, l) + out[i]) : fr(out[i] + fr(sv * bVal(kk, j, l)));
            }
        }
    return out;
  };
  const name = `micro ${arith === "madd" ? "relaxed_madd" : "mul+add"}, ${splat === "splat" ? "f32.load+splat" : "load32_splat"}`;
  return {
    kernel: name,
    tile: `${R}x${V}`,
    live: `${R * V + V + 1}${arith === "muladd" ? "+1" : ""}`,
    bytes: encodeModule([{ name: "run", fn }]),
    flopsPerN: K * R * V * 8,
    checkN: 3,
    setup(mem) {
      const f = new Float32Array(mem);
      for (let i = 0; i < R * V * 4; i++) f[i] = accInit(i >> 2, i & 3);
      for (let kk = 0; kk < K; kk++) {
        for (let r = 0; r < R; r++) f[PA / 4 + kk * R + r] = aVal(kk, r);
        for (let j = 0; j < V; j++) for (let l = 0; l < 4; l++) f[PB / 4 + (kk * V + j) * 4 + l] = bVal(kk, j, l);
      }
    },
    check(mem, nreps) {
      const got = new Float32Array(mem, 0, R * V * 4).slice();
      return verdict(`${name} ${R}x${V}`, arith === "madd" ? "either" : false, got, reference(nreps, false), reference(nreps, true));
    },
  };
}

/** Dependent i32.add chain (16 per iteration): adds/s estimates the core clock. */
export function clockKernel(): Kernel {
  const fn = new Fn([I32]);
  const x = fn.local(I32);
  const y = fn.local(I32);
  fn.emit(op.i32const(0), op.i32load(0), op.set(x), op.i32const(0), op.i32load(4), op.set(y));
  fn.countedLoop(0, () => {
    for (let i = 0; i < 16; i++) fn.emit(op.get(x), op.get(y), op.i32add, op.set(x));
  });
  fn.emit(op.i32const(0), op.get(x), op.i32store(8));
  const X0 = 12345;
  const Y = 0x9e3779b1 | 0;
  return {
    kernel: "clock: i32.add dep. chain",
    tile: "1 chain",
    live: "2 gpr",
    bytes: encodeModule([{ name: "run", fn }]),
    flopsPerN: 16, // "ops", not FLOPs
    checkN: 100003,
    setup(mem) {
      const i = new Int32Array(mem);
      i[0] = X0;
      i[1] = Y;
      i[2] = 0;
    },
    check(mem, n) {
      const got = new Int32Array(mem)[2];
      // x0 + 16 n y mod 2^32
      const want = Number((BigInt(X0) + 16n * BigInt(n) * BigInt(Y)) & 0xffffffffn) | 0;
      if (got !== want) throw new CheckError(`clock kernel: got ${got}, want ${want}`);
      return "exact";
    },
  };
}
