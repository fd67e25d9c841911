/**
 * `ninr evaluate --run DIR`: accuracy of a trained run on the clean test set, the additive
 * Gaussian grid and every corruption x severity; writes robustness.json and robustness.csv
 * into the run folder. `--adversarial` adds FGSM / PGD-L∞ accuracy per eps (noise off) and
 * `--domain-shift` the accuracy on the held-out shifted test domains (docs/method.md §4.5), as
 * tables `adversarial` and `domain_shift` in robustness.json and rows in robustness.csv.
 */
import type { Command } from "commander";
import { join } from "node:path";
import { ADVERSARIAL_EPS, PGD_STEPS, PGD_STEP_FACTOR, checkAdversarialOptions, evaluateAdversarial } from "../../experiments/adversarial.ts";
import { applicableShifts, evaluateDomainShift } from "../../experiments/domainShift.ts";
import { allConditions, evaluateConditions, summarizeRobustness } from "../../experiments/robustness.ts";
import { head } from "../../data/dataset.ts";
import { NinrError } from "../../errors.ts";
import { loadNamedDataset } from "../env.ts";
import { disposeRun, loadRun, prepareOutDir, readRunConfig } from "../runFolder.ts";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { toCsv, toMarkdown } from "../../report/tables.ts";
import { num, numList } from "./flags.ts";
import { progressBar } from "./progress.ts";
import { deviceFromFlags, runOption } from "./runFlags.ts";
import { useDevice } from "../device.ts";

/** Flags that only mean something with --adversarial. */
const ADV_FLAGS = [
  ["advEps", "--adv-eps"],
  ["pgdSteps", "--pgd-steps"],
  ["advSize", "--adv-size"],
] as const;

export function registerEvaluate(program: Command): void {
  program
    .command("evaluate")
    .description("robustness of a trained run: clean, Gaussian-noise grid and corruption-suite accuracy (optionally adversarial and domain shift)")
    .requiredOption("--run <dir>", "run folder written by 'ninr train'")
    .option("--baseline <dir>", "another run folder: report corruption error relative to it")
    .option("--adversarial", "also FGSM and PGD-L∞ accuracy per attack strength eps, NIN noise off (docs/method.md §4.5)")
    .option("--adv-eps <list>", `attack strengths eps on the data's value scale (default ${ADVERSARIAL_EPS.join(",")})`, numList("--adv-eps", num("--adv-eps", { min: 0, minExclusive: true })))
    .option("--pgd-steps <n>", `PGD iterations, step size 2.5 eps / steps (default ${PGD_STEPS})`, num("--pgd-steps", { integer: true, min: 1, max: 1000 }))
    .option("--adv-size <n>", "attack only the first N test images (default: all)", num("--adv-size", { integer: true, min: 1 }))
    .option("--domain-shift", "also accuracy on the held-out shifted test domains: elastic, gamma_dark, gamma_light (docs/method.md §4.5)")
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .addOption(runOption("device"))
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      for (const [key, flag] of ADV_FLAGS) if (opts[key] !== undefined && !opts.adversarial) throw new NinrError(`${flag} needs --adversarial`);
      const cfg = readRunConfig(opts.run);
      // robustness.json goes into the run folder: check it can be written before computing.
      prepareOutDir(opts.run, "--run");
      const ds = loadNamedDataset(cfg.dataset, { dataDir: opts.data, allowSample: Boolean(opts.allowSample) });
      const advOpts = { eps: opts.advEps as number[] | undefined, steps: opts.pgdSteps as number | undefined };
      if (opts.adversarial) {
        checkAdversarialOptions(ds, advOpts);
        if (opts.advSize !== undefined && opts.advSize > ds.test.n) throw new NinrError(`--adv-size ${opts.advSize} is larger than the ${ds.test.n} test images`);
      }
      await useDevice(deviceFromFlags(opts)); // before loadRun: the parameters go to the default device
      const runs = [loadRun(opts.run, ds), ...(opts.baseline ? [loadRun(opts.baseline, ds)] : [])];
      const conditions = allConditions();
      const bar = progressBar("evaluate", process.stderr, Boolean(opts.quiet));
      const results = await evaluateConditions(runs, ds, ds.test, conditions, { onCondition: (d, t, c) => bar.update(d, t, `${c.condition} ${c.level}`) });
      bar.done();
      const summary = summarizeRobustness(results[0], opts.baseline ? { name: opts.baseline, rows: results[1] } : undefined);
      const out: Record<string, unknown> = { data_source: ds.source, summary, conditions: results[0] };
      const csvRows: Record<string, unknown>[] = [...results[0]];
      const lines: string[] = [];
      const pct = (v: number | null) => (v === null ? "n/a" : `${(v * 100).toFixed(1)}%`);
      const run = runs[0];

      if (opts.adversarial) {
        const test = opts.advSize !== undefined ? head(ds, ds.test, opts.advSize) : ds.test;
        const abar = progressBar("adversarial", process.stderr, Boolean(opts.quiet));
        const adv = await evaluateAdversarial(run.fns.net, run.params, run.state, ds, test, { ...advOpts, onBatch: (d, t) => abar.update(d, t, "batches") });
        abar.done();
        out.adversarial = adv.rows.map((r) => ({ ...r, clean_acc: adv.clean_acc, seed: adv.seed }));
        for (const r of adv.rows) csvRows.push({ condition: r.attack, family: "adversarial", level: r.eps, mode: "linf", acc: r.acc, loss: r.loss });
        const steps = advOpts.steps ?? PGD_STEPS;
        const byEps = [...new Set(adv.rows.map((r) => r.eps))].map((e) => {
          const acc = (a: string) => pct(adv.rows.find((r) => r.attack === a && r.eps === e)!.acc);
          return `${e}:${acc("fgsm")}/${acc("pgd")}`;
        });
        lines.push(
          `adversarial (L∞, noise off, n=${adv.n}, clean ${pct(adv.clean_acc)}; PGD ${steps} steps of ${PGD_STEP_FACTOR} eps/${steps}, random start) eps -> FGSM/PGD acc: ${byEps.join("  ")}`,
        );
      }

      if (opts.domainShift) {
        const rows = await evaluateDomainShift(run, ds, ds.test, { shifts: applicableShifts(ds) });
        out.domain_shift = rows;
        for (const r of rows) csvRows.push({ condition: r.shift, family: "domain_shift", level: r.level, acc: r.acc, loss: r.loss });
        lines.push(`domain shift (held out): ${rows.map((r) => `${r.shift} ${pct(r.acc)}`).join("  ")}  (clean ${pct(rows[0]?.clean_acc ?? null)})`);
      }

      writeJsonAtomic(join(opts.run, "robustness.json"), out);
      writeFileAtomic(join(opts.run, "robustness.csv"), toCsv(csvRows));
      runs.forEach(disposeRun);
      const per = Object.entries(summary.per_corruption).map(([k, v]) => ({ corruption: k, mean_acc: pct(v) }));
      process.stdout.write(
        `clean ${pct(summary.clean_acc)}  corruption mean ${pct(summary.corruption_mean_acc)}` +
          (summary.relative_corruption_error !== null ? `  corruption error relative to baseline ${summary.relative_corruption_error.toFixed(3)}` : "") +
          `\n\n${toMarkdown(per)}\nGaussian (clipped) s -> acc: ${Object.entries(summary.gaussian_clipped).sort((a, b) => Number(a[0]) - Number(b[0])).map(([s, a]) => `${s}:${pct(a)}`).join("  ")}\n` +
          lines.map((l) => `${l}\n`).join("") +
          `written: ${join(opts.run, "robustness.json")}, robustness.csv\n`,
      );
    });
}
