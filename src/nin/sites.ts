/**
 * NIN sites: the representations of a network that a noise injection node can feed
 * (docs/method.md §1). A model declares its sites; a placement picks the ones that get a NIN.
 * The method's code (theta shapes, initialisation, injection, curvature, the NIW probe) finds
 * NINs through these declarations only, never through a model's layer structure.
 */
import { NinrError } from "../errors.ts";

export type NinSite = {
  /** Stable name; the site's NIWs are the parameter `${name}.theta` (e.g. "nin0"). */
  name: string;
  /**
   * "fc": the pre-activation z of a dense layer, z = W x + b + theta * eps (fcNINR);
   * "conv": the image entering a conv layer, x~ = x + theta * eps (cNINR).
   */
  kind: "fc" | "conv";
  /** The representation's shape per sample: fc [units], conv [H, W, C] (NHWC). */
  shape: number[];
  /** Fan-in of the weight layer the NIN feeds (default NIW init counts the NIN: fan_in + 1). */
  fanIn: number;
  /** "input": on the network input (in-NINR); "logit": feeds the logit layer; else "hidden". */
  role: "input" | "hidden" | "logit";
  /**
   * fc sites: the parameter name of the weight matrix [units, fanIn] of the layer the NIN feeds
   * (used to match input-noise strength to NIN strength, CDT in docs/method.md §4).
   */
  weight?: string;
};

/**
 * Where NINs go: "none"; "input" (in-NINR: the input sites); "all" (full-NINR: every site,
 * without the logit site when `logit` is false); or an explicit list of site names.
 */
export type Placement = "none" | "input" | "all" | readonly string[];

/** Parse a placement as written in a config: none | input | all | name,name,... */
export function parsePlacement(raw: string): Placement {
  if (raw === "none" || raw === "input" || raw === "all") return raw;
  return raw.split(",").map((s) => s.trim());
}

/**
 * The sites that carry a NIN, in the model's declared order (the order eps keys are split in).
 * Unknown names in an explicit list are a NinrError naming them and the model's sites.
 */
export function placeNins(sites: readonly NinSite[], placement: Placement, opts: { logit: boolean }): NinSite[] {
  if (placement === "none") return [];
  if (placement === "input") return sites.filter((s) => s.role === "input");
  if (placement === "all") return sites.filter((s) => opts.logit || s.role !== "logit");
  const names = new Set(placement);
  const unknown = [...names].filter((n) => !sites.some((s) => s.name === n));
  if (unknown.length || names.size === 0)
    throw new NinrError(`nin: unknown NIN site${unknown.length === 1 ? "" : "s"} ${unknown.join(", ") || "(empty list)"}; this model's sites are ${sites.map((s) => s.name).join(", ")} (or use none|input|all)`);
  return sites.filter((s) => names.has(s.name));
}

/** The parameter name of a site's NIWs. */
export const thetaName = (site: string) => `${site}.theta`;
/** Is this parameter a noise injection weight (NIW)? */
export const isNiw = (name: string) => name.endsWith(".theta");
