/**
 * `ninr evaluate --run DIR`: accuracy of a trained run on the clean test set, the additive
 * Gaussian grid and every corruption x severity; writes robustness.json and robustness.csv
 * into the run folder.
 */
import type { Command } from "commander";
import { join } from "node:path";
import { allConditions, evaluateConditions, summarizeRobustness } from "../../experiments/robustness.ts";
import { loadNamedDataset } from "../env.ts";
import { disposeRun, loadRun, readRunConfig } from "../runFolder.ts";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { toCsv, toMarkdown } from "../../report/tables.ts";
import { progressBar } from "./progress.ts";

export function registerEvaluate(program: Command): void {
  program
    .command("evaluate")
    .description("robustness of a trained run: clean, Gaussian-noise grid and corruption-suite accuracy")
    .requiredOption("--run <dir>", "run folder written by 'ninr train'")
    .option("--baseline <dir>", "another run folder: report corruption error relative to it")
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const ds = loadNamedDataset(readRunConfig(opts.run).dataset, { dataDir: opts.data, allowSample: Boolean(opts.allowSample) });
      const runs = [loadRun(opts.run, ds), ...(opts.baseline ? [loadRun(opts.baseline, ds)] : [])];
      const conditions = allConditions();
      const bar = progressBar("evaluate", process.stderr, Boolean(opts.quiet));
      const results = await evaluateConditions(runs, ds, ds.test, conditions, { onCondition: (d, t, c) => bar.update(d, t, `${c.condition} ${c.level}`) });
      bar.done();
      const summary = summarizeRobustness(results[0], opts.baseline ? { name: opts.baseline, rows: results[1] } : undefined);
      writeJsonAtomic(join(opts.run, "robustness.json"), { data_source: ds.source, summary, conditions: results[0] });
      writeFileAtomic(join(opts.run, "robustness.csv"), toCsv(results[0]));
      runs.forEach(disposeRun);
      const pct = (v: number | null) => (v === null ? "n/a" : `${(v * 100).toFixed(1)}%`);
      const per = Object.entries(summary.per_corruption).map(([k, v]) => ({ corruption: k, mean_acc: pct(v) }));
      process.stdout.write(
        `clean ${pct(summary.clean_acc)}  corruption mean ${pct(summary.corruption_mean_acc)}` +
          (summary.relative_corruption_error !== null ? `  corruption error relative to baseline ${summary.relative_corruption_error.toFixed(3)}` : "") +
          `\n\n${toMarkdown(per)}\nGaussian (clipped) s -> acc: ${Object.entries(summary.gaussian_clipped).sort((a, b) => Number(a[0]) - Number(b[0])).map(([s, a]) => `${s}:${pct(a)}`).join("  ")}\n` +
          `written: ${join(opts.run, "robustness.json")}, robustness.csv\n`,
      );
    });
}
