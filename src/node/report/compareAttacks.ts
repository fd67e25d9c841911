/**
 * The comparison's adversarial and domain-shift tables (docs/method.md §4.5), from the attack
 * jobs' summaries (src/experiments/attackJob.ts): per model, init and method, the robust
 * accuracy under FGSM and PGD-L∞ at each eps (NIN noise off) and the accuracy on each held-out
 * shifted domain, mean ± std over seeds, and for each NINR row the difference to the best of
 * vanilla and the holdout's L2 and Dropout choices (the same baselines as the noise verdicts).
 */
import { formatMeanStd, toMarkdown } from "../../report/tables.ts";
import { mean, sampleStd } from "../../stats.ts";
import type { AttackSummary } from "../../experiments/attackJob.ts";
import { readSummary } from "../runFolder.ts";
import { type CompareRow, compareGroups } from "./compareRows.ts";
import { isAttackSummary } from "./summaryShapes.ts";
import { NINR_ROWS, pairedDiffs, signed } from "./verdicts.ts";

export type AttackRow = {
  method: string;
  model: string;
  init: string;
  seeds: number;
  adversarial_n: number;
  clean_acc_mean: number;
  /** attack -> eps -> mean / std robust accuracy over seeds. */
  adversarial_mean: Record<string, Record<string, number>>;
  adversarial_std: Record<string, Record<string, number>>;
  domain_shift_n: number;
  domain_clean_mean: number;
  /** shift -> mean / std accuracy over seeds. */
  domain_shift_mean: Record<string, number>;
  domain_shift_std: Record<string, number>;
  /** Each seed's values, for differences paired by seed. */
  per_seed: { seed: number; adversarial: Record<string, Record<string, number>>; domain_shift: Record<string, number> }[];
};

/** Every finished attack job's summary among `dirs` (others skipped: compare runs, unfinished, damaged). */
export function loadAttackRuns(dirs: string[]): AttackSummary[] {
  const out: AttackSummary[] = [];
  for (const d of dirs) {
    const s = readSummary(d);
    if (isAttackSummary(s)) out.push(s as unknown as AttackSummary);
  }
  return out;
}

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** One row per (model, init, method), methods in `methodOrder` (unknown ones last). */
export function aggregateAttacks(runs: AttackSummary[], methodOrder: string[]): AttackRow[] {
  const rank = (m: string) => (methodOrder.includes(m) ? methodOrder.indexOf(m) : methodOrder.length);
  const methods = [...new Set(runs.map((r) => r.method))].sort((a, b) => rank(a) - rank(b));
  const rows: AttackRow[] = [];
  for (const { model, init } of compareGroups(runs))
    for (const method of methods) {
      const rs = runs.filter((r) => r.model === model && r.init === init && r.method === method);
      if (!rs.length) continue;
      const nested = (agg: (v: number[]) => number) => {
        const out: Record<string, Record<string, number>> = {};
        for (const attack of new Set(rs.flatMap((r) => Object.keys(r.adversarial)))) {
          const eps = [...new Set(rs.flatMap((r) => Object.keys(r.adversarial[attack] ?? {})))].sort((a, b) => Number(a) - Number(b));
          out[attack] = Object.fromEntries(eps.map((e) => [e, agg(rs.map((r) => r.adversarial[attack]?.[e]).filter(finite))]));
        }
        return out;
      };
      const shifts = [...new Set(rs.flatMap((r) => Object.keys(r.domain_shift)))];
      const shift = (agg: (v: number[]) => number) => Object.fromEntries(shifts.map((s) => [s, agg(rs.map((r) => r.domain_shift[s]).filter(finite))]));
      rows.push({
        method,
        model,
        init,
        seeds: rs.length,
        adversarial_n: Math.min(...rs.map((r) => r.adversarial_n)),
        clean_acc_mean: mean(rs.map((r) => r.adversarial_clean_acc)),
        adversarial_mean: nested(mean),
        adversarial_std: nested(sampleStd),
        domain_shift_n: Math.min(...rs.map((r) => r.domain_shift_n)),
        domain_clean_mean: mean(rs.map((r) => r.domain_shift_clean_acc).filter(finite)),
        domain_shift_mean: shift(mean),
        domain_shift_std: shift(sampleStd),
        per_seed: rs.map((r) => ({ seed: r.seed, adversarial: r.adversarial, domain_shift: r.domain_shift })),
      });
    }
  return rows;
}

const pct = (m: number | undefined, s: number | undefined) => (m === undefined || !Number.isFinite(m) ? "n/a" : formatMeanStd(m * 100, (s ?? NaN) * 100));

/**
 * The baselines a NINR row is held against, by method name: vanilla and the holdout's L2 and
 * Dropout choices of the comparison rows of the same model and init (`compareRows`).
 */
function baselineMethods(compareRows: CompareRow[], model: string, init: string): string[] {
  return compareRows.filter((r) => r.model === model && r.init === init && (r.family === "vanilla" || ((r.family === "L2" || r.family === "Dropout") && r.holdout_choice))).map((r) => r.method);
}

type SeedValues = AttackRow["per_seed"][number];

/**
 * A NINR row against the best baseline on one value (the baseline with the best mean), paired by
 * seed as the noise verdicts are (src/node/report/verdicts.ts): " (+13.3, 3/3)" is the mean
 * per-seed difference in points and the seeds in which the NINR row is ahead. "" for other rows.
 */
function versus(r: AttackRow, rows: AttackRow[], base: string[], value: (x: AttackRow) => number | undefined, perSeed: (x: SeedValues) => number | undefined): string {
  if (!NINR_ROWS.includes(r.method)) return "";
  let best: AttackRow | null = null;
  for (const x of rows) if (base.includes(x.method) && finite(value(x)) && (best === null || value(x)! > value(best)!)) best = x;
  const mine = value(r);
  if (!finite(mine) || best === null) return "";
  const ds = pairedDiffs(r.per_seed, best.per_seed, perSeed);
  return ds.length ? ` (${signed(mean(ds))}, ${ds.filter((d) => d > 0).length}/${ds.length})` : "";
}

/** The Markdown of the adversarial and domain-shift tables of one model and init (null without attack runs). */
export function attackTables(rows: AttackRow[], compareRows: CompareRow[], g: { model: string; init: string }): { adversarial: string; shift: string } | null {
  const mr = rows.filter((r) => r.model === g.model && r.init === g.init);
  if (!mr.length) return null;
  const base = baselineMethods(compareRows, g.model, g.init);
  const attacks = [...new Set(mr.flatMap((r) => Object.keys(r.adversarial_mean)))].sort();
  const epsOf = (a: string) => [...new Set(mr.flatMap((r) => Object.keys(r.adversarial_mean[a] ?? {})))].sort((x, y) => Number(x) - Number(y));
  const advCols = attacks.flatMap((a) => epsOf(a).map((e) => ({ key: `${a}_${e}`, title: `${a.toUpperCase()} eps=${e}`, a, e })));
  const adv = toMarkdown(
    mr.map((r) => ({
      method: r.method,
      clean: pct(r.clean_acc_mean, NaN),
      ...Object.fromEntries(advCols.map((c) => [c.key, pct(r.adversarial_mean[c.a]?.[c.e], r.adversarial_std[c.a]?.[c.e]) + versus(r, mr, base, (x) => x.adversarial_mean[c.a]?.[c.e], (x) => x.adversarial[c.a]?.[c.e])])),
      seeds: r.seeds,
    })),
    [{ key: "method", title: "method" }, { key: "clean", title: `clean (n=${Math.min(...mr.map((r) => r.adversarial_n))})` }, ...advCols, { key: "seeds", title: "seeds" }],
  );
  const shifts = [...new Set(mr.flatMap((r) => Object.keys(r.domain_shift_mean)))];
  const shift = toMarkdown(
    mr.map((r) => ({
      method: r.method,
      clean: pct(r.domain_clean_mean, NaN),
      ...Object.fromEntries(shifts.map((s) => [s, pct(r.domain_shift_mean[s], r.domain_shift_std[s]) + versus(r, mr, base, (x) => x.domain_shift_mean[s], (x) => x.domain_shift[s])])),
      seeds: r.seeds,
    })),
    [{ key: "method", title: "method" }, { key: "clean", title: `clean (n=${Math.min(...mr.map((r) => r.domain_shift_n))})` }, ...shifts.map((s) => ({ key: s, title: s })), { key: "seeds", title: "seeds" }],
  );
  return { adversarial: adv, shift };
}

export const ADV_NOTE =
  "Robust accuracy in %, mean ± std over seeds, in the L∞ ball of radius eps on [0,1] pixels, NIN noise off (eval mode), on the first n test images: " +
  "FGSM, and PGD with a random start and 2.5 eps / steps per step; a point counts as broken once the attack finds an error at this or a smaller eps (src/experiments/adversarial.ts). " +
  "In brackets for NINR rows: the difference in points to the best of vanilla and the holdout's L2 and Dropout choices (the one with the best mean), paired by seed: mean over seeds, and the seeds in which the NINR row is ahead.";
export const SHIFT_NOTE =
  "Accuracy in %, mean ± std over seeds, on test sets shifted in ways no method trained on and the corruption suite does not contain: " +
  "elastic deformation (Simard et al. 2003), and tone curves gamma 2 (dark) and 0.5 (light) (src/experiments/domainShift.ts). Brackets as above.";

