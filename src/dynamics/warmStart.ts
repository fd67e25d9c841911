/**
 * Warm starts for repeated curvature estimates (a k(t) trace measures the same network every few
 * steps): the previous estimate's unit eigenvector u plus a random part, z = u + WARM_MIX r/|r|
 * with r a fresh normal vector from the estimate's key. The random part keeps every direction in
 * the Krylov space, so a new top eigenvector (a mode that overtook the old one between trace
 * points) is still found; the stopping rule (the Ritz residual, src/engine/lanczos.ts) is the
 * same as from a random start, so the eigenvalue is the same within the tolerance, in fewer
 * steps when the top eigenvector moved little.
 */
import { numpy as np, tree } from "@jax-js/jax";
import { type Tree, treeAxpy, treeMask, treeNorm, treeRandomNormal } from "../engine/treeMath.ts";

/** Weight of the random direction against the previous unit eigenvector. */
export const WARM_MIX = 0.1;

/** The previous estimates' eigenvectors by number ("noise", "hessian", "niw"). */
export type WarmStarts = Map<string, Tree>;

/**
 * The start vector: `prev` (borrowed; a unit vector shaped like `like`) plus WARM_MIX times a
 * random unit vector, or the random vector alone without `prev` (what lanczosTop draws itself).
 * Masked to `mask` when given. Consumes key; borrows like.
 */
export function warmStart(prev: Tree | undefined, like: Tree, key: np.Array, mask?: (name: string) => boolean): Tree {
  let r = treeRandomNormal(key, like);
  if (mask) r = treeMask(r, mask);
  if (!prev) return r;
  const n = treeNorm(tree.ref(r));
  const unit = Object.fromEntries(Object.entries(r).map(([k, a]) => [k, a.div(n.ref)]));
  n.dispose();
  return treeAxpy(WARM_MIX, unit, tree.ref(prev));
}
