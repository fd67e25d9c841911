/**
 * The experiment verbs' flags as sweep specs (`ninr phases|compare|detector --executor
 * queue|index`): the spec names the same jobs the verb runs, so `ninr run-index` and `ninr
 * collect` on it fill the verb's --out folder, and `ninr sweep status` finds a queued verb.
 * Each spec goes through checkSweepSpec, so it is exactly what reading the written file back
 * gives (same hash); the verbs' own flag checks are at least as strict, so this never rejects.
 */
import { type CompareSweepSpec, type DetectorSweepSpec, type PhasesSweepSpec, type SweepSpec, checkSweepSpec } from "./spec.ts";

type Flags = Record<string, unknown>;

/** Only the keys the user set (a key absent from the spec means the preset's value). */
function given(o: Flags, keys: string[]): Flags {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

const sample = (o: Flags) => (o.allowSample ? { allowSample: true } : {});

export function phasesSpecOf(o: Flags): PhasesSweepSpec & SweepSpec {
  return checkSweepSpec({ experiment: "phases", preset: o.preset, ...given(o, ["sigmas", "lrs", "seeds", "models", "inits", "optimizer", "momentum", "epochs"]), ...sample(o) }, "ninr phases flags") as PhasesSweepSpec & SweepSpec;
}

export function compareSpecOf(o: Flags): CompareSweepSpec & SweepSpec {
  return checkSweepSpec({ experiment: "compare", preset: o.preset, ...given(o, ["seeds", "models", "inits", "epochs"]), ...sample(o) }, "ninr compare flags") as CompareSweepSpec & SweepSpec;
}

export function detectorSpecOf(o: Flags): DetectorSweepSpec & SweepSpec {
  return checkSweepSpec({ experiment: "detector", preset: o.preset, ...given(o, ["seeds", "epochs", "width", "trainSize"]) }, "ninr detector flags") as DetectorSweepSpec & SweepSpec;
}
