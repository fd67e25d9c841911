/**
 * `ninr compare`: the poster's comparison table and the robustness curves (E2/E3). Picks the
 * NINR sigmas by measured curvature (cached in sigmas.json), trains every method x model x seed
 * over worker processes (resumable), evaluates robustness, and writes compare.{json,md,csv},
 * plots and report.html.
 */
import { type Command, Option } from "commander";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { NinrError } from "../../errors.ts";
import { COMPARE_PRESETS, type ChosenSigma, type MethodSpec, chooseSigmas, compareJobs, compareMethods } from "../../experiments/compare.ts";
import { modelNames } from "../../models/registry.ts";
import { fitSize } from "../../train/prepare.ts";
import { writeJsonAtomic } from "../atomic.ts";
import { loadDataset } from "../data/fashionFiles.ts";
import { LocalExecutor } from "../executors/local.ts";
import { aggregateCompare, loadCompareRuns, writeCompareReport } from "../report/compareReport.ts";
import { loadPhaseRuns, writePhasesReport } from "../report/phasesReport.ts";
import { num, oneOf } from "./flags.ts";

export function registerCompare(program: Command): void {
  program
    .command("compare")
    .description("NINR against vanilla, L2, Dropout and CDT: clean accuracy and robustness (the poster's table)")
    .addOption(new Option("--preset <name>", "quick (2 seeds, subsets, < 15 min) | paper (full protocol, hours)").default("quick").argParser(oneOf("--preset", Object.keys(COMPARE_PRESETS))))
    .requiredOption("--out <dir>", "output folder")
    .addOption(new Option("--models <list>", "mlp,cnn").argParser((raw: string) => raw.split(",").map((m) => oneOf("--models", modelNames())(m.trim()))))
    .addOption(new Option("--seeds <n>", "number of seeds").argParser(num("--seeds", { min: 1, integer: true })))
    .addOption(new Option("--workers <n>", "parallel worker processes (default: cores)").argParser(num("--workers", { min: 1, integer: true })))
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .action(async (opts) => {
      const base = COMPARE_PRESETS[opts.preset];
      const preset = { ...base, models: opts.models ?? base.models, seeds: opts.seeds ? Array.from({ length: opts.seeds }, (_, i) => i) : base.seeds };
      const log = (s: string) => process.stderr.write(s + "\n");
      const ds = loadDataset({ dataDir: opts.data, allowSample: Boolean(opts.allowSample) });
      if (ds.source === "sample") log("note: full Fashion-MNIST not found; the comparison runs on the bundled sample");
      // Sigma selection is deterministic; its result is cached so a resumed run reuses it.
      const sigmaFile = join(opts.out, "sigmas.json");
      const cached: { preset: string; lr: number; sigmas: ChosenSigma[] } | null = existsSync(sigmaFile) ? JSON.parse(readFileSync(sigmaFile, "utf8")) : null;
      const sigmas: ChosenSigma[] = cached && cached.preset === preset.name && cached.lr === preset.lr ? cached.sigmas : [];
      for (const model of preset.models) {
        if (sigmas.some((s) => s.model === model)) continue;
        log(`compare: choosing NINR sigmas for ${model} from measured curvature (k = eta * lambda_noise ~ 1 decay, ~ 3 catapult)`);
        sigmas.push(...(await chooseSigmas(preset, model, ds, log)));
        writeJsonAtomic(sigmaFile, { preset: preset.name, lr: preset.lr, sigmas });
      }
      const methods: MethodSpec[] = [];
      for (const model of preset.models) methods.push(...(await compareMethods(preset, model, sigmas, fitSize(ds), ds)));
      const jobs = compareJobs(preset, methods);
      const methodOrder = [...new Set(methods.map((m) => m.method))];
      const meta = { preset: preset.name, command: `ninr ${process.argv.slice(2).join(" ")}`, methodOrder, sigmas };
      writeJsonAtomic(join(opts.out, "compare-config.json"), { ...meta, presetConfig: preset, methods });
      log(`compare: ${jobs.length} runs on ${opts.workers ?? "all"} workers -> ${opts.out}`);
      const executor = new LocalExecutor({ outDir: opts.out, workers: opts.workers, data: { dataDir: opts.data, allowSample: Boolean(opts.allowSample) } });
      const outcomes = await executor.run(jobs, {
        onJobDone: (o, done, total) => {
          const a = o.job.kind === "compare" ? o.job.spec : { method: "?", config: {} as { model?: string; seed?: number } };
          const acc = typeof o.summary?.clean_test_acc === "number" ? ` clean ${(o.summary.clean_test_acc * 100).toFixed(1)}%` : "";
          log(`[${done}/${total}] ${a.config.model} ${a.method} seed ${a.config.seed} ${o.status}${acc}${o.seconds ? ` (${o.seconds.toFixed(0)}s)` : ""}${o.error ? `\n  ${o.error.split("\n")[0]}` : ""}`);
        },
      });
      const rows = aggregateCompare(loadCompareRuns(outcomes.map((o) => executor.dirOf(o.job))), methodOrder);
      await writeCompareReport(opts.out, rows, meta);
      process.stdout.write(readFileSync(join(opts.out, "compare.md"), "utf8") + `\nreport: ${join(opts.out, "report.html")}\n`);
      const failed = outcomes.filter((o) => o.status === "failed");
      if (failed.length) throw new NinrError(`${failed.length} of ${outcomes.length} runs failed (first: ${failed[0].error?.split("\n")[0]}); rerun the same command to retry them`);
    });

  program
    .command("report")
    .description("rebuild the tables, plots and report.html of a 'ninr compare' or 'ninr phases' folder from its runs on disk")
    .argument("<dir>", "the --out folder of ninr compare or ninr phases")
    .action(async (dir: string) => {
      const runsDir = join(dir, "runs");
      if (!existsSync(runsDir)) throw new NinrError(`${dir} has no runs/ folder; give the --out folder of 'ninr compare' or 'ninr phases'`);
      const dirs = readdirSync(runsDir).map((d) => join(runsDir, d));
      if (existsSync(join(dir, "compare-config.json"))) {
        const meta = JSON.parse(readFileSync(join(dir, "compare-config.json"), "utf8"));
        await writeCompareReport(dir, aggregateCompare(loadCompareRuns(dirs), meta.methodOrder), { preset: meta.preset, command: meta.command, methodOrder: meta.methodOrder, sigmas: meta.sigmas });
        process.stdout.write(`rebuilt ${join(dir, "compare.md")}, compare.json, compare.csv, plots, report.html\n`);
      } else if (existsSync(join(dir, "phases-config.json"))) {
        const meta = JSON.parse(readFileSync(join(dir, "phases-config.json"), "utf8"));
        const s = await writePhasesReport(dir, loadPhaseRuns(dirs), { preset: meta.preset?.name, command: `ninr ${meta.command}` });
        process.stdout.write(`rebuilt ${join(dir, "phases.json")} (${s.points} points), phases.csv, plots, report.html\n`);
      } else throw new NinrError(`${dir} has neither compare-config.json nor phases-config.json; is it a 'ninr compare' or 'ninr phases' output folder?`);
    });
}
