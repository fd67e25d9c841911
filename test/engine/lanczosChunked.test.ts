/**
 * Chunked Lanczos (src/engine/lanczosChunked.ts) against the step-by-step lanczosTop and the
 * dense Jacobi eigensolver: the same eigenvalue, the same step count and the same stopping rule,
 * whatever the chunk length.
 */
import { jit, numpy as np, random } from "@jax-js/jax";
import { describe, expect, it } from "vitest";
import { lanczosTop, symmetricEigen } from "../../src/engine/lanczos.ts";
import { type LanczosChunk, lanczosSteps, lanczosTopChunked } from "../../src/engine/lanczosChunked.ts";

const n = 40;
/** A symmetric matrix with a spread spectrum (top eigenvalue separated by a small gap). */
function matrix(): number[][] {
  let s = 7;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const a = Array.from({ length: n }, () => Array.from({ length: n }, rnd));
  return a.map((row, i) => row.map((_, j) => (a[i][j] + a[j][i]) / 2 + (i === j ? i / 8 : 0)));
}

describe("lanczosTopChunked", () => {
  const A = matrix();
  const oracle = Math.max(...symmetricEigen(A).values);
  const Aj = np.array(new Float32Array(A.flat())).reshape([n, n]);
  const programs = new Map<number, ReturnType<typeof jit>>();
  const chunk: LanczosChunk = (Q, steps) => {
    if (!programs.has(steps)) programs.set(steps, jit((m: np.Array, qs: np.Array[]) => { const r = lanczosSteps((q) => np.dot(m.ref, q), qs, steps); m.dispose(); return [r.next, r.ab]; }));
    const [next, ab] = (programs.get(steps) as unknown as (m: np.Array, qs: np.Array[]) => [np.Array[], np.Array])(Aj.ref, Q);
    return { next, ab };
  };
  const start = () => {
    const z = random.normal(random.key(3), [n]);
    return z.ref.div(np.sqrt(np.square(z).sum()));
  };

  it("matches lanczosTop and the dense eigensolver for any chunk length", async () => {
    const op = { apply: (v: Record<string, np.Array>) => ({ v: np.dot(Aj.ref, v.v) }) };
    const ref = await lanczosTop(op, { v: np.zeros([n]) }, random.key(0), { iters: 40, tol: 1e-5, start: { v: start() } });
    expect(Math.abs(ref.value - oracle) / Math.abs(oracle)).toBeLessThan(1e-4);
    const counts: number[] = [];
    for (const first of [1, 3, 7, 40]) {
      const r = await lanczosTopChunked(chunk, start(), { iters: 40, tol: 1e-5, first, later: 2 });
      // The same recurrence and stopping rule; float32 rounding of a differently fused program
      // can move the step where the residual crosses tol by one.
      expect(Math.abs(r.matvecs - ref.matvecs)).toBeLessThanOrEqual(1);
      counts.push(r.matvecs);
      expect(r.converged).toBe(true);
      expect(Math.abs(r.value - ref.value) / Math.abs(ref.value)).toBeLessThan(1e-5);
      expect(r.chunks).toBe(first >= r.matvecs ? 1 : 1 + Math.ceil((r.matvecs - first) / 2));
    }
    expect(new Set(counts).size).toBe(1);
  });

  it("stops at iters unconverged, and returns a unit eigenvector estimate", async () => {
    const short = await lanczosTopChunked(chunk, start(), { iters: 3, tol: 1e-12, first: 2, later: 4 });
    expect(short.matvecs).toBe(3);
    expect(short.converged).toBe(false);
    const r = await lanczosTopChunked(chunk, start(), { iters: 40, tol: 1e-6, returnVector: true });
    const v = r.raveled!;
    const av = await np.dot(Aj.ref, v.ref).data();
    const vh = await v.data();
    let res = 0;
    let norm = 0;
    for (let i = 0; i < n; i++) {
      res += (av[i] - r.value * vh[i]) ** 2;
      norm += vh[i] ** 2;
    }
    expect(Math.abs(norm - 1)).toBeLessThan(1e-4);
    expect(Math.sqrt(res) / Math.abs(r.value)).toBeLessThan(1e-2);
  });
});
