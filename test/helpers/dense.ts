/** Dense matrices of tree operators, for oracle tests on tiny nets. */
import type { Params } from "../../src/models/model.ts";
import { treeFromHost, treeSize, treeToHost } from "../../src/engine/treeMath.ts";

/** Dense matrix of a tree operator: column i = A e_i (rows and columns in treeToHost order). */
export async function denseOf(apply: (v: Params) => Params, like: Params): Promise<number[][]> {
  const n = treeSize(like);
  const cols: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const e = new Float64Array(n);
    e[i] = 1;
    cols.push(await treeToHost(apply(treeFromHost(e, like))));
  }
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => cols[c][r]));
}

export const maxAbs = (m: number[][]) => Math.max(...m.flat().map(Math.abs));
export const maxDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i][j]))));
