/**
 * The comparison's questions (docs/method.md §4.2) answered from its rows: for each NINR row of
 * one model and init, is clean accuracy within 2 points of vanilla, and is it ahead of the best
 * of vanilla and the holdout's L2 and Dropout choices at each test-noise level, unclipped and
 * clipped? Differences of means in points; the report reads them against the spreads.
 */
import { toMarkdown } from "../../report/tables.ts";
import type { CompareRow } from "./compareRows.ts";

/** Test-noise levels of the questions (strings: the keys of the rows' accuracy maps). */
export const TEST_NOISE = ["0.3", "0.5", "1"];

export const NINR_ROWS = ["in-NINR decay", "in-NINR catapult", "full-NINR decay", "full-NINR catapult"];

/** One answer of the comparison: a difference of means in points and whether it passes. */
export type Verdict = { d: number; ok: boolean } | null;
/** The answers for one NINR row: clean within 2 points of vanilla; ahead of the best baseline at each unclipped (u) and clipped (c) test-noise level. */
export type RowVerdicts = { method: string; seeds: number; answers: Record<string, Verdict> };

/** The questions' keys and titles, in table order. */
export const VERDICT_QUESTIONS: { key: string; title: string }[] = [
  { key: "clean", title: "clean − vanilla" },
  ...TEST_NOISE.map((s) => ({ key: `u${s}`, title: `unclipped s=${s} − best baseline` })),
  ...TEST_NOISE.map((s) => ({ key: `c${s}`, title: `clipped s=${s} − best baseline` })),
];

/**
 * The questions of the comparison for one model and init (docs/method.md §4.2), as differences of
 * means in points: does each NINR row stay within 2 points of vanilla on clean data, and is it
 * ahead of the best of vanilla and the holdout's L2 and Dropout choices under unclipped and
 * clipped test noise s = 0.3, 0.5, 1? Empty when there is no vanilla row or no NINR row.
 */
export function verdicts(rows: CompareRow[]): RowVerdicts[] {
  const vanilla = rows.find((r) => r.family === "vanilla");
  const ninr = rows.filter((r) => r.family !== null && NINR_ROWS.includes(r.family));
  if (!vanilla || !ninr.length) return [];
  const baselines = [vanilla, ...rows.filter((r) => (r.family === "L2" || r.family === "Dropout") && r.holdout_choice)];
  const ahead = (r: CompareRow, mode: "unclipped" | "clipped", s: string): Verdict => {
    const acc = (x: CompareRow) => (mode === "unclipped" ? x.gaussian_unclipped_acc : x.gaussian_clipped_acc)[s];
    const best = Math.max(...baselines.map(acc).filter((v) => v !== undefined && Number.isFinite(v)));
    const mine = acc(r);
    if (mine === undefined || !Number.isFinite(mine) || !Number.isFinite(best)) return null;
    const d = (mine - best) * 100;
    return { d, ok: d > 0 };
  };
  return ninr.map((r) => {
    const d = (r.clean_acc_mean - vanilla.clean_acc_mean) * 100;
    return {
      method: r.method,
      seeds: r.seeds,
      answers: {
        clean: Number.isFinite(d) ? { d, ok: d >= -2 } : null,
        ...Object.fromEntries(TEST_NOISE.map((s) => [`u${s}`, ahead(r, "unclipped", s)])),
        ...Object.fromEntries(TEST_NOISE.map((s) => [`c${s}`, ahead(r, "clipped", s)])),
      },
    };
  });
}

const signed = (d: number) => (d >= 0 ? `+${d.toFixed(1)}` : `−${Math.abs(d).toFixed(1)}`);

/** The verdicts of one model and init as a Markdown table (empty when there is nothing to compare). */
export function verdictTable(rows: CompareRow[]): string {
  const v = verdicts(rows);
  if (!v.length) return "";
  const cell = (key: string, a: Verdict) => (a === null ? "n/a" : `${signed(a.d)} ${key === "clean" ? (a.ok ? "within 2" : "not within 2") : a.ok ? "ahead" : "not ahead"}`);
  return toMarkdown(
    v.map((r) => ({ method: r.method, ...Object.fromEntries(VERDICT_QUESTIONS.map((q) => [q.key, cell(q.key, r.answers[q.key])])), seeds: r.seeds })),
    [{ key: "method", title: "method" }, ...VERDICT_QUESTIONS, { key: "seeds", title: "seeds" }],
  );
}

