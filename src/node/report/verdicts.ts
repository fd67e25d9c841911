/**
 * The comparison's questions (docs/method.md §4.2) answered from its rows: for each NINR row of
 * one model and init, is clean accuracy within 2 points of vanilla, and is it ahead of the best
 * of vanilla and the holdout's L2 and Dropout choices at each test-noise level, unclipped and
 * clipped? Differences are paired by seed (same seed: same data split, batches and base init), so
 * the answer says in how many seeds it holds: "yes" in every seed, "no" in none, else "mixed".
 */
import { toMarkdown } from "../../report/tables.ts";
import { mean, sampleStd } from "../../stats.ts";
import type { CompareRow, SeedAccuracies } from "./compareRows.ts";

/** Test-noise levels of the questions (strings: the keys of the rows' accuracy maps). */
export const TEST_NOISE = ["0.3", "0.5", "1"];

export const NINR_ROWS = ["in-NINR decay", "in-NINR catapult", "full-NINR decay", "full-NINR catapult"];

/**
 * One answer of the comparison: the mean and sample std over seeds of the paired difference in
 * points, the seeds paired and how many of them pass; `answer` is "yes" when every seed passes,
 * "no" when none does, "mixed" otherwise.
 */
export type Verdict = { d: number; sd: number; n: number; passed: number; answer: "yes" | "no" | "mixed" };
/** The answers for one NINR row: clean within 2 points of vanilla; ahead of the best baseline at each unclipped (u) and clipped (c) test-noise level. */
export type RowVerdicts = { method: string; seeds: number; answers: Record<string, Verdict | null> };

/** The questions' keys and titles, in table order. */
export const VERDICT_QUESTIONS: { key: string; title: string }[] = [
  { key: "clean", title: "clean − vanilla" },
  ...TEST_NOISE.map((s) => ({ key: `u${s}`, title: `unclipped s=${s} − best baseline` })),
  ...TEST_NOISE.map((s) => ({ key: `c${s}`, title: `clipped s=${s} − best baseline` })),
];

type Metric = (x: SeedAccuracies) => number | undefined;
const meanMetric = (r: CompareRow, key: string): number | undefined =>
  key === "clean" ? r.clean_acc_mean : (key[0] === "u" ? r.gaussian_unclipped_acc : r.gaussian_clipped_acc)[key.slice(1)];
const seedMetric = (key: string): Metric => (x) => (key === "clean" ? x.clean : (key[0] === "u" ? x.unclipped : x.clipped)[key.slice(1)]);

/** (mine − theirs) in points for every seed both have a finite value at (`value`), in `mine`'s seed order. */
export function pairedDiffs<T extends { seed: number }>(mine: readonly T[], theirs: readonly T[], value: (x: T) => number | undefined): number[] {
  const ds: number[] = [];
  for (const a of mine) {
    const b = theirs.find((x) => x.seed === a.seed);
    const va = value(a);
    const vb = b ? value(b) : undefined;
    if (va !== undefined && vb !== undefined && Number.isFinite(va) && Number.isFinite(vb)) ds.push((va - vb) * 100);
  }
  return ds;
}

/** Paired differences (mine − theirs, in points) over the seeds both rows have, judged per seed by `pass`. */
function paired(mine: CompareRow, theirs: CompareRow, key: string, pass: (d: number) => boolean): Verdict | null {
  const ds = pairedDiffs(mine.per_seed, theirs.per_seed, seedMetric(key));
  if (!ds.length) return null;
  const passed = ds.filter(pass).length;
  return { d: mean(ds), sd: sampleStd(ds), n: ds.length, passed, answer: passed === ds.length ? "yes" : passed === 0 ? "no" : "mixed" };
}

/**
 * The questions of the comparison for one model and init (docs/method.md §4.2): does each NINR row
 * stay within 2 points of vanilla on clean data, and is it ahead of the best baseline under
 * unclipped and clipped test noise s = 0.3, 0.5, 1? The best baseline at a level is the one of
 * vanilla and the holdout's L2 and Dropout choices with the best mean there; the NINR row is then
 * compared with it seed by seed. Empty when there is no vanilla row or no NINR row.
 */
export function verdicts(rows: CompareRow[]): RowVerdicts[] {
  const vanilla = rows.find((r) => r.family === "vanilla");
  const ninr = rows.filter((r) => r.family !== null && NINR_ROWS.includes(r.family));
  if (!vanilla || !ninr.length) return [];
  const baselines = [vanilla, ...rows.filter((r) => (r.family === "L2" || r.family === "Dropout") && r.holdout_choice)];
  const best = (key: string): CompareRow | null => {
    let b: CompareRow | null = null;
    for (const r of baselines) {
      const v = meanMetric(r, key);
      if (v !== undefined && Number.isFinite(v) && (b === null || v > (meanMetric(b, key) as number))) b = r;
    }
    return b;
  };
  const noiseKeys = VERDICT_QUESTIONS.map((q) => q.key).filter((k) => k !== "clean");
  return ninr.map((r) => ({
    method: r.method,
    seeds: r.seeds,
    answers: {
      clean: paired(r, vanilla, "clean", (d) => d >= -2),
      ...Object.fromEntries(
        noiseKeys.map((key) => {
          const b = best(key);
          const mine = meanMetric(r, key);
          return [key, b === null || mine === undefined || !Number.isFinite(mine) ? null : paired(r, b, key, (d) => d > 0)];
        }),
      ),
    },
  }));
}

export const signed = (d: number) => (d >= 0 ? `+${d.toFixed(1)}` : `−${Math.abs(d).toFixed(1)}`);

/** "+4.5 ± 1.2 ahead 3/3": mean paired difference (± std over seeds when there are several), the answer, seeds that pass / seeds. */
export function verdictCell(key: string, a: Verdict | null): string {
  if (a === null) return "n/a";
  const word = { yes: key === "clean" ? "within 2" : "ahead", no: key === "clean" ? "not within 2" : "not ahead", mixed: "mixed" }[a.answer];
  return `${signed(a.d)}${a.n > 1 ? ` ± ${a.sd.toFixed(1)}` : ""} ${word} ${a.passed}/${a.n}`;
}

/** The verdicts of one model and init as a Markdown table (empty when there is nothing to compare). */
export function verdictTable(rows: CompareRow[]): string {
  const v = verdicts(rows);
  if (!v.length) return "";
  return toMarkdown(
    v.map((r) => ({ method: r.method, ...Object.fromEntries(VERDICT_QUESTIONS.map((q) => [q.key, verdictCell(q.key, r.answers[q.key])])), seeds: r.seeds })),
    [{ key: "method", title: "method" }, ...VERDICT_QUESTIONS, { key: "seeds", title: "seeds" }],
  );
}
