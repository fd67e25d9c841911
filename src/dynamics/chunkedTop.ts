/**
 * Lanczos on a curvature operator whose steps run as compiled chunks (src/engine/lanczosChunked.ts):
 * one jitted program per chunk builds the operator at (params, batch) once, traced (for a
 * linearised operator: the forward pass and the linearisation point, once per chunk), replays
 * its linear part per matvec and does the reorthogonalisation in the same program, with one
 * host read per chunk.
 *
 * Chunk lengths are rounded up to multiples of CHUNK_QUANTUM so that a meter compiles a handful
 * of programs, not one per step count. Steps past convergence are discarded (the eigenvalue does
 * not depend on the chunk length, only the cost does).
 *
 * Ownership: `top` borrows params and batch, consumes q0.
 */
import { jit, numpy as np, tree } from "@jax-js/jax";
import { type ChunkedOptions, type LanczosChunk, lanczosSteps, lanczosTopChunked } from "../engine/lanczosChunked.ts";
import type { EigenResult } from "../engine/lanczos.ts";
import { type Tree, treeRavel, treeUnravel } from "../engine/treeMath.ts";
import type { Params } from "../models/model.ts";

/** Builds, inside a traced program, v -> A v at (params, batch) for vectors shaped like params; borrows both. */
export type TracedOperator<B> = (params: Params, batch: B) => { apply(v: Tree): Tree; dispose(): void };

export const CHUNK_QUANTUM = 4;

export type ChunkedTop<B> = {
  /**
   * Top eigenvalue of the operator at (params, batch), from the unit vector q0 (raveled in the
   * key order of params; consumed). Borrows params and batch.
   */
  top(params: Params, batch: B, q0: np.Array, opts?: ChunkedOptions): Promise<EigenResult & { raveled?: np.Array; chunks: number }>;
  dispose(): void;
};

export function makeChunkedTop<B>(op: TracedOperator<B>): ChunkedTop<B> {
  // jax-js's mapped tree types do not see through a generic batch type (as in makeHvpFns).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type AnyB = any;
  const programs = new Map<number, ReturnType<typeof jit>>();
  const program = (steps: number) => {
    let f = programs.get(steps);
    if (!f) {
      f = jit((p: Params, b: AnyB, Q: np.Array[]) => {
        const A = op(p, b);
        const keys = Object.keys(p);
        const apply = (q: np.Array) => {
          const out = A.apply(treeUnravel(q, p));
          return treeRavel(Object.fromEntries(keys.map((k) => [k, out[k]])));
        };
        const res = lanczosSteps(apply, Q, steps);
        A.dispose();
        tree.dispose(p);
        tree.dispose(b);
        return [res.next, res.ab];
      });
      programs.set(steps, f);
    }
    return f as unknown as (p: Params, b: AnyB, Q: np.Array[]) => [np.Array[], np.Array];
  };
  return {
    async top(params, batch, q0, opts = {}) {
      const m = opts.iters ?? 20;
      // The chunk runs `steps` steps; lanczosTopChunked asks for at most what is left.
      const chunk: LanczosChunk = (Q, steps) => {
        const n = Math.ceil(steps / CHUNK_QUANTUM) * CHUNK_QUANTUM;
        const [next, ab] = program(n)(tree.ref(params), tree.ref(batch as AnyB), Q);
        return { next, ab };
      };
      const round = (s: number) => Math.min(m, Math.ceil(s / CHUNK_QUANTUM) * CHUNK_QUANTUM);
      return lanczosTopChunked(chunk, q0, { ...opts, first: round(opts.first ?? m), later: opts.later ?? CHUNK_QUANTUM });
    },
    dispose() {
      for (const f of programs.values()) (f as unknown as { dispose(): void }).dispose();
      programs.clear();
    },
  };
}
