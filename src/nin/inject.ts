/**
 * The injection itself (docs/method.md §1): a site's representation h gets theta * eps added.
 *   scalar noise, eps [B]:        fcNINR h [B, n] + eps[:, None] * theta[None, :]
 *                                 cNINR  h [B, H, W, C] + eps[:, None, None, None] * theta as [H, W, C]
 *   field noise, eps [B, ...S]:   h + eps * theta (elementwise; structured noise, one value per
 *                                 unit or pixel of the representation)
 * With eps = 0 (or no NIN) the network computes exactly the plain model.
 */
import type { numpy as np } from "@jax-js/jax";
import type { NinSite } from "./sites.ts";

/** theta laid out like the representation: [n] -> [1, n]; [C,H,W] -> [1, H, W, C]; [H,W] -> [1, H, W, 1]. Consumes theta. */
function thetaAsRepresentation(site: NinSite, theta: np.Array): np.Array {
  if (site.kind === "fc") return theta.reshape([1, site.shape[0]]);
  const t = theta.ndim === 3 ? theta.transpose([1, 2, 0]) : theta.reshape([site.shape[0], site.shape[1], 1]);
  return t.reshape([1, ...t.shape]);
}

/** h + theta * eps at one site. Consumes h, theta and eps. */
export function inject(site: NinSite, h: np.Array, theta: np.Array, eps: np.Array): np.Array {
  const B = h.shape[0];
  if (eps.ndim === 1) {
    const e = eps.reshape(site.kind === "fc" ? [B, 1] : [B, 1, 1, 1]);
    return h.add(e.mul(thetaAsRepresentation(site, theta)));
  }
  return h.add(eps.mul(thetaAsRepresentation(site, theta)));
}

/**
 * The per-sample cotangent of theta from a cotangent g [B, ...site.shape] of the representation
 * after `inject` (its transpose in theta, one sample at a time, not summed over the batch):
 * [B, ...thetaShape]. Used for per-sample NIW Jacobians (src/dynamics/niwJacobian.ts).
 * `thetaShape` is the site's NIW shape (fc [n]; conv [C, H, W] or [H, W]). Consumes eps and g.
 */
export function thetaCotangentPerSample(site: NinSite, thetaShape: readonly number[], eps: np.Array, g: np.Array): np.Array {
  const B = g.shape[0];
  const e = eps.ndim === 1 ? eps.reshape(site.kind === "fc" ? [B, 1] : [B, 1, 1, 1]) : eps;
  const eg = g.mul(e); // [B, ...site.shape]
  if (site.kind === "fc") return eg;
  // NHWC representation [B, H, W, C] -> theta [B, C, H, W], or summed over the channels for [H, W].
  return thetaShape.length === 3 ? eg.transpose([0, 3, 1, 2]) : eg.sum(3);
}
