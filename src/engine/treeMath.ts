/**
 * Vector arithmetic on parameter trees (flat records of jax-js arrays, like `Params`), for the
 * curvature estimators: a tree is one vector in parameter space.
 *
 * Ownership, jax-js style, stated per function:
 *   "consumes x"  the caller gives up x (pass `tree.ref(x)` / `x.ref` to keep it);
 *   "borrows x"   only shapes and dtypes are read; x stays the caller's.
 * Scalars that come back are 0-d device arrays (no host sync); read them with `await s.data()`.
 * Every tree in one call must have the same keys and shapes.
 */
import { numpy as np, random } from "@jax-js/jax";
import { splitN } from "./keys.ts";

export type Tree = Record<string, np.Array>;

const HAS_FLOAT16 = typeof (globalThis as { Float16Array?: unknown }).Float16Array !== "undefined";

/** Sum over leaves of a . b. Consumes a and b. @returns 0-d array */
export function treeDot(a: Tree, b: Tree): np.Array {
  let acc: np.Array | null = null;
  for (const k of Object.keys(a)) {
    const d = a[k].mul(b[k]).sum();
    acc = acc === null ? d : acc.add(d);
  }
  return acc ?? np.zeros([]);
}

/** Euclidean norm over all leaves. Consumes a. @returns 0-d array */
export function treeNorm(a: Tree): np.Array {
  let acc: np.Array | null = null;
  for (const k of Object.keys(a)) {
    const d = np.square(a[k]).sum();
    acc = acc === null ? d : acc.add(d);
  }
  return np.sqrt(acc ?? np.zeros([]));
}

/** alpha * x + y. Consumes x, y and alpha (when it is an array). */
export function treeAxpy(alpha: number | np.Array, x: Tree, y: Tree): Tree {
  const out: Tree = {};
  for (const k of Object.keys(x)) out[k] = x[k].mul(typeof alpha === "number" ? alpha : alpha.ref).add(y[k]);
  if (typeof alpha !== "number") alpha.dispose();
  return out;
}

/** alpha * x. Consumes x and alpha (when it is an array). */
export function treeScale(alpha: number | np.Array, x: Tree): Tree {
  const out: Tree = {};
  for (const k of Object.keys(x)) out[k] = x[k].mul(typeof alpha === "number" ? alpha : alpha.ref);
  if (typeof alpha !== "number") alpha.dispose();
  return out;
}

/** Zeros with the shapes and dtypes of `like`. Borrows like. */
export function treeZerosLike(like: Tree): Tree {
  const out: Tree = {};
  for (const k of Object.keys(like)) out[k] = np.zeros(like[k].shape, { dtype: like[k].dtype });
  return out;
}

/** Independent N(0,1) entries, shapes and dtypes of `like`. Consumes key; borrows like. */
export function treeRandomNormal(key: np.Array, like: Tree): Tree {
  const names = Object.keys(like);
  const keys = splitN(key, Math.max(names.length, 1));
  if (names.length === 0) keys[0].dispose();
  const out: Tree = {};
  names.forEach((k, i) => {
    const z = random.normal(keys[i], like[k].shape);
    out[k] = like[k].dtype === z.dtype ? z : z.astype(like[k].dtype);
  });
  return out;
}

/**
 * Restrict to the leaves whose name passes `keep`; the others become zeros (the vector is
 * projected onto that block, e.g. the NIWs). Consumes x.
 */
export function treeMask(x: Tree, keep: (name: string) => boolean): Tree {
  const out: Tree = {};
  for (const k of Object.keys(x)) {
    if (keep(k)) out[k] = x[k];
    else {
      out[k] = np.zeros(x[k].shape, { dtype: x[k].dtype });
      x[k].dispose();
    }
  }
  return out;
}

/** Number of scalars in the tree. Borrows like. */
export function treeSize(like: Tree): number {
  let n = 0;
  for (const k of Object.keys(like)) n += like[k].size;
  return n;
}

/** Read a tree back as one flat float64 vector, leaves in key order. Consumes x. */
export async function treeToHost(x: Tree): Promise<Float64Array> {
  const parts: ArrayLike<number>[] = [];
  for (const k of Object.keys(x)) parts.push((await x[k].data()) as ArrayLike<number>);
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) out[off + i] = p[i];
    off += p.length;
  }
  return out;
}

/**
 * The inverse of `treeToHost`: a flat vector (key order of `like`) as a tree with like's shapes
 * and dtypes. Borrows like. On Node < 22-with-Float16Array, jax-js 0.1.25 cannot take a
 * Float64Array (its type check touches the missing global `Float16Array`), so values then pass
 * through float32 on upload and a float64 tree holds float32-rounded values; exact for the
 * small integers (basis vectors) the tests use.
 */
export function treeFromHost(flat: ArrayLike<number>, like: Tree): Tree {
  const out: Tree = {};
  let off = 0;
  for (const k of Object.keys(like)) {
    const n = like[k].size;
    const f64 = like[k].dtype === np.float64 && HAS_FLOAT16;
    const buf = f64 ? new Float64Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) buf[i] = flat[off + i];
    off += n;
    const a = np.array(buf).reshape(like[k].shape);
    out[k] = a.dtype === like[k].dtype ? a : a.astype(like[k].dtype);
  }
  if (off !== flat.length) throw new Error(`treeFromHost: vector has ${flat.length} entries, tree has ${off}`);
  return out;
}

/**
 * All leaves, raveled and concatenated in key order, as one 1-D device array (the leaves must
 * share a dtype). Consumes x. The inverse is `treeUnravel`.
 */
export function treeRavel(x: Tree): np.Array {
  const leaves = Object.keys(x).map((k) => x[k].reshape([-1]));
  if (leaves.length === 0) return np.zeros([0]);
  return leaves.length === 1 ? leaves[0] : np.concatenate(leaves);
}

/** Split a 1-D array from `treeRavel` back into a tree shaped like `like`. Consumes flat; borrows like. */
export function treeUnravel(flat: np.Array, like: Tree): Tree {
  const names = Object.keys(like);
  const out: Tree = {};
  if (names.length === 1) {
    out[names[0]] = flat.reshape(like[names[0]].shape);
    return out;
  }
  const cuts: number[] = [];
  let off = 0;
  for (const k of names.slice(0, -1)) cuts.push((off += like[k].size));
  const parts = np.split(flat, cuts);
  names.forEach((k, i) => (out[k] = parts[i].reshape(like[k].shape)));
  return out;
}
