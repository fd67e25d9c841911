/**
 * Whether the comparison's conclusions hold across weight initialisations (docs/method.md §1.6:
 * init is a studied factor): for each model, NINR row and question, the answer at every init
 * side by side and whether they agree. Rows come from src/node/report/compareRows.ts.
 */
import { toMarkdown } from "../../report/tables.ts";
import { compareGroups, type CompareRow } from "./compareRows.ts";
import { VERDICT_QUESTIONS, signed, verdicts } from "./verdicts.ts";

export const ACROSS_NOTE =
  "Per model, NINR row and question: the answer at each weight init (yes: in every seed, no: in none, mixed: in some; with the mean paired difference in points and the seeds that pass) and whether all inits agree. " +
  "A conclusion that holds at one init and not at another is a property of the initialisation, not of NINR alone.";

/** The across-inits table; empty when no model was run at two or more inits. */
export function acrossInitsTable(rows: CompareRow[]): string {
  const groups = compareGroups(rows);
  const models = [...new Set(groups.map((g) => g.model))];
  const out: Record<string, unknown>[] = [];
  for (const model of models) {
    const inits = groups.filter((g) => g.model === model).map((g) => g.init);
    if (inits.length < 2) continue;
    const byInit = new Map(inits.map((init) => [init, verdicts(rows.filter((r) => r.model === model && r.init === init))]));
    const methods = [...new Set([...byInit.values()].flatMap((v) => v.map((r) => r.method)))];
    for (const method of methods)
      for (const q of VERDICT_QUESTIONS) {
        const answers = inits.map((init) => byInit.get(init)!.find((r) => r.method === method)?.answers[q.key] ?? null);
        const known = answers.filter((a) => a !== null);
        const holds = known.length < inits.length ? "n/a" : known.every((a) => a!.answer === known[0]!.answer) ? `holds (${known[0]!.answer} at every init)` : "differs";
        out.push({
          model,
          method,
          question: q.key === "clean" ? "clean within 2 of vanilla" : `ahead at ${q.title.replace(" − best baseline", "")}`,
          ...Object.fromEntries(inits.map((init, i) => [init, answers[i] === null ? "n/a" : `${answers[i]!.answer} (${signed(answers[i]!.d)}, ${answers[i]!.passed}/${answers[i]!.n})`])),
          holds,
        });
      }
  }
  if (!out.length) return "";
  const inits = [...new Set(groups.map((g) => g.init))];
  return toMarkdown(out, [{ key: "model", title: "model" }, { key: "method", title: "method" }, { key: "question", title: "question" }, ...inits.map((i) => ({ key: i, title: i })), { key: "holds", title: "across inits" }]);
}
