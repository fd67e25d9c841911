/**
 * `ninr compare`: the poster's comparison table and the robustness curves (E2/E3). Picks the
 * NINR sigmas by measured curvature at every model's, init's and seed's own initialization
 * (cached in sigmas.json; a damaged cache is recomputed), trains every method x model x init x
 * seed over worker processes (resumable), evaluates robustness, and writes compare.{json,md,csv},
 * poster.md, plots and report.html.
 */
import { type Command, Option } from "commander";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { WEIGHT_INITS } from "../../engine/init.ts";
import { NinrError } from "../../errors.ts";
import { COMPARE_PRESETS, type ComparePreset, attackJobs, compareCells, compareJobs, methodOrder } from "../../experiments/compare.ts";
import { type ChosenSigma, checkSigmaTolerance, chooseSigmas, parseSigmaCache, sigmaCache } from "../../experiments/compareSigmas.ts";
import { modelNames } from "../../models/registry.ts";
import { fitSize } from "../../train/prepare.ts";
import { writeJsonAtomic } from "../atomic.ts";
import { loadDataset } from "../data/fashionFiles.ts";
import { acquireLock } from "../executors/local.ts";
import { aggregateCompare, loadCompareRuns, writeCompareReport } from "../report/compareReport.ts";
import { aggregateAttacks, loadAttackRuns } from "../report/compareAttacks.ts";
import { attackLine, attackStage } from "./compareAttackStage.ts";
import { loadPhaseRuns, writePhasesReport } from "../report/phasesReport.ts";
import { checkSweepFolder, prepareOutDir, readRegularFile, readRunJson } from "../runFolder.ts";
import { comparePresetOf } from "../sweep/expand.ts";
import { compareSpecOf } from "../sweep/verbSpecs.ts";
import { addExecutorFlags, checkExecutorFlags, verbExecutor, writeIndexPlan } from "./executorFlags.ts";
import { num, oneOf } from "./flags.ts";
import { deviceFromFlags, runOption } from "./runFlags.ts";
import { useDevice } from "../device.ts";

/** The text of a file, or null when there is none (a folder or an unreadable file reads as damaged: ""). */
function readText(file: string): string | null {
  if (!existsSync(file)) return null;
  // Never readFileSync a FIFO (it blocks forever): only a regular file of sane size is read.
  return readRegularFile(file, 64 * 2 ** 20)?.toString("utf8") ?? "";
}

/**
 * A value of an untrusted meta file for a title: strings and numbers as they are, anything else
 * "?" (String() of a deep list overflows), with one warning line when the field is there but
 * holds something else (the report is still rebuilt: the runs are what matter).
 */
function shown(file: string, key: string, v: unknown, rerun: string): string {
  if (typeof v === "string") return v.slice(0, 500);
  if (typeof v === "number") return String(v);
  if (v !== undefined) process.stderr.write(`warning: ${file}: "${key}" is not text (${Array.isArray(v) ? "a list" : v === null ? "null" : typeof v}); the report shows it as "?": rerun '${rerun}' with the same flags to rewrite it (finished runs are kept)\n`);
  return "?";
}

/** One warning line when some run folders were left out of a rebuilt report. */
function warnSkipped(runsDir: string, dirs: string[], used: number): void {
  if (used < dirs.length)
    process.stderr.write(`warning: ${dirs.length - used} of ${dirs.length} folders in ${runsDir} hold no finished run of this kind (unfinished, or summary.json damaged); they are left out: rerun the sweep to recompute them\n`);
}

export function registerCompare(program: Command): void {
  addExecutorFlags(program.command("compare"))
    .description("NINR against vanilla, L2, Dropout and CDT: clean accuracy and robustness (the poster's table)")
    .addOption(new Option("--preset <name>", "quick (2 seeds, subsets, about 20 min on 2 cores) | paper (full protocol: 5 seeds, 50 epochs MLP / 10 CNN; days on 2 cores)").default("quick").argParser(oneOf("--preset", Object.keys(COMPARE_PRESETS))))
    .requiredOption("--out <dir>", "output folder")
    .addOption(new Option("--models <list>", "mlp,cnn").argParser((raw: string) => raw.split(",").map((m) => oneOf("--models", modelNames())(m.trim()))))
    .addOption(new Option("--inits <list>", `weight-init schemes to sweep, e.g. pytorch,he-normal (${WEIGHT_INITS.join(", ")}; default: the preset's)`).argParser((raw: string) => [...new Set(raw.split(",").map((m) => oneOf("--inits", WEIGHT_INITS)(m.trim())))]))
    .addOption(new Option("--seeds <n>", "number of seeds (0..n-1)").argParser(num("--seeds", { min: 1, max: 1000, integer: true })))
    .addOption(new Option("--epochs <n>", "epochs for every model and method (default: the preset's budget)").argParser(num("--epochs", { min: 1, max: 100000, integer: true })))
    .addOption(new Option("--workers <n>", "parallel worker processes (default: cores)").argParser(num("--workers", { min: 1, max: 1024, integer: true })))
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .option("--no-attacks", "skip the attack stage (FGSM/PGD-L∞ and held-out domain shift of every trained model, after training)")
    .addOption(runOption("device"))
    .action(async (opts) => {
      await useDevice(deviceFromFlags(opts)); // sigma choice runs here; the workers inherit the choice (NINR_DEVICE)
      await checkExecutorFlags(opts); // --executor queue|index: src/node/cli/executorFlags.ts
      prepareOutDir(opts.out);
      checkSweepFolder(opts.out, ["sigmas.json", "compare-config.json"]);
      acquireLock(opts.out); // before anything is written: a second sweep on this folder stops here (released at exit)
      if (opts.executor === "index") return writeIndexPlan(compareSpecOf(opts), opts.out, { data: { dataDir: opts.data, allowSample: Boolean(opts.allowSample) }, log: (s) => process.stderr.write(s + "\n"), rerun: "compare" });
      // The preset with the flags applied, through the same spec a queued or indexed run uses.
      const preset: ComparePreset = comparePresetOf(compareSpecOf(opts));
      checkSigmaTolerance(preset.sigmaSearch.tol);
      const log = (s: string) => process.stderr.write(s + "\n");
      const ds = loadDataset({ dataDir: opts.data, allowSample: Boolean(opts.allowSample) });
      if (ds.source === "sample") log("note: full Fashion-MNIST not found; the comparison runs on the bundled sample");
      // Sigma selection is deterministic; its result is cached so a resumed run reuses it. The
      // cache is read back as untrusted: whatever is unusable is recomputed.
      const sigmaFile = join(opts.out, "sigmas.json");
      const cached = parseSigmaCache(readText(sigmaFile), preset, sigmaFile);
      if (cached.warning) log(`warning: ${cached.warning}`);
      const sigmas: ChosenSigma[] = cached.sigmas;
      for (const model of preset.models)
        for (const init of preset.inits)
          for (const seed of preset.seeds) {
            if (sigmas.some((s) => s.model === model && s.init === init && s.seed === seed)) continue;
            log(`compare: choosing NINR sigmas for ${model}, init ${init}, seed ${seed} from measured curvature at its initialization (k = eta * lambda_noise ~ 1 decay, ~ 3 catapult)`);
            sigmas.push(...(await chooseSigmas(preset, model, init, seed, ds, log)));
            writeJsonAtomic(sigmaFile, sigmaCache(preset, sigmas));
          }
      if (cached.warning) writeJsonAtomic(sigmaFile, sigmaCache(preset, sigmas));
      const used = sigmas.filter((s) => preset.models.includes(s.model) && preset.inits.includes(s.init) && preset.seeds.includes(s.seed));
      const cells = await compareCells(preset, used, fitSize(ds), ds);
      const jobs = compareJobs(preset, cells);
      const order = methodOrder(cells);
      const meta = { preset: preset.name, command: `ninr ${process.argv.slice(2).join(" ")}`, methodOrder: order, inits: preset.inits, sigmas: used };
      writeJsonAtomic(join(opts.out, "compare-config.json"), { ...meta, presetConfig: preset, methods: cells });
      log(`compare: ${jobs.length} runs (${order.length} methods x ${preset.models.length} models x ${preset.inits.length} inits x ${preset.seeds.length} seeds) on ${opts.executor === "queue" ? `queue '${opts.queue}'` : `${opts.workers ?? "all"} workers`} -> ${opts.out}`);
      // params: true, as the attack stage and later evaluations read the trained parameters.
      const executor = verbExecutor(opts, { outDir: opts.out, workers: opts.workers, data: { dataDir: opts.data, allowSample: Boolean(opts.allowSample) }, log, params: true, spec: () => compareSpecOf(opts) });
      const ran = await executor.run(jobs, {
        // Each trained model's attack job runs right after it (local executor; src/node/cli/compareAttackStage.ts).
        followUp: (o) => (opts.attacks && o.job.kind === "compare" && o.status !== "failed" ? attackJobs(preset, [o.job]) : []),
        onJobDone: (o, done, total) => {
          if (o.job.kind === "attack") return log(attackLine(o, done, total));
          const a = o.job.kind === "compare" ? o.job.spec : { method: "?", config: {} as { model?: string; init?: string; seed?: number } };
          const acc = typeof o.summary?.clean_test_acc === "number" ? ` clean ${(o.summary.clean_test_acc * 100).toFixed(1)}%` : "";
          log(`[${done}/${total}] ${a.config.model} ${a.config.init ?? "pytorch"} ${a.method} seed ${a.config.seed} ${o.status}${acc}${o.seconds ? ` (${o.seconds.toFixed(0)}s)` : ""}${o.error ? `\n  ${o.error.split("\n")[0]}` : ""}`);
        },
      });
      const outcomes = ran.filter((o) => o.job.kind === "compare");
      const attacks = opts.attacks ? await attackStage(preset, jobs, outcomes, { outDir: opts.out, workers: opts.workers, data: { dataDir: opts.data, allowSample: Boolean(opts.allowSample) }, log }) : { summaries: [], failed: 0, skipped: 0 };
      const rows = aggregateCompare(loadCompareRuns(outcomes.map((o) => executor.dirOf(o.job))), order);
      await writeCompareReport(opts.out, rows, meta, aggregateAttacks(attacks.summaries, order));
      process.stdout.write(readFileSync(join(opts.out, "compare.md"), "utf8") + `\nposter's table beside ours: ${join(opts.out, "poster.md")}\nreport: ${join(opts.out, "report.html")}\n`);
      const failed = outcomes.filter((o) => o.status === "failed");
      if (failed.length) throw new NinrError(`${failed.length} of ${outcomes.length} runs failed (first: ${failed[0].error?.split("\n")[0]}); rerun the same command to retry them`);
      if (attacks.failed) throw new NinrError(`${attacks.failed} attack runs failed (see the lines above); rerun the same command to retry them`);
    });

  program
    .command("report")
    .description("rebuild the tables, plots and report.html of a 'ninr compare' or 'ninr phases' folder from its runs on disk")
    .argument("<dir>", "the --out folder of ninr compare or ninr phases")
    .action(async (dir: string) => {
      const runsDir = join(dir, "runs");
      if (!existsSync(runsDir) || !statSync(runsDir).isDirectory()) throw new NinrError(`${dir} has no runs/ folder; give the --out folder of 'ninr compare' or 'ninr phases'`);
      const dirs = readdirSync(runsDir).map((d) => join(runsDir, d));
      if (existsSync(join(dir, "compare-config.json"))) {
        const meta = readRunJson(dir, "compare-config.json");
        if (!meta) throw new NinrError(`${join(dir, "compare-config.json")} is not a JSON object; rerun 'ninr compare' with the same flags to rewrite it (finished runs are kept)`);
        const order = Array.isArray(meta.methodOrder) ? meta.methodOrder.filter((m): m is string => typeof m === "string") : [];
        const runs = loadCompareRuns(dirs);
        const attacks = loadAttackRuns(dirs);
        warnSkipped(runsDir, dirs, runs.length + attacks.length);
        const cfg = join(dir, "compare-config.json");
        const titles = { preset: shown(cfg, "preset", meta.preset, "ninr compare"), command: shown(cfg, "command", meta.command, "ninr compare") };
        await writeCompareReport(dir, aggregateCompare(runs, order), { ...titles, methodOrder: order, inits: meta.inits, sigmas: meta.sigmas }, aggregateAttacks(attacks, order));
        process.stdout.write(`rebuilt ${join(dir, "compare.md")}, poster.md, compare.json, compare.csv, plots, report.html\n`);
      } else if (existsSync(join(dir, "phases-config.json"))) {
        const meta = readRunJson(dir, "phases-config.json");
        if (!meta) throw new NinrError(`${join(dir, "phases-config.json")} is not a JSON object; rerun 'ninr phases' with the same flags to rewrite it (finished runs are kept)`);
        const preset = meta.preset && typeof meta.preset === "object" ? (meta.preset as { name?: unknown }).name : undefined;
        const runs = loadPhaseRuns(dirs);
        warnSkipped(runsDir, dirs, runs.length);
        const cfg = join(dir, "phases-config.json");
        const s = await writePhasesReport(dir, runs, { preset: shown(cfg, "preset.name", preset, "ninr phases"), command: `ninr ${shown(cfg, "command", meta.command, "ninr phases")}` });
        process.stdout.write(`rebuilt ${join(dir, "phases.json")} (${s.points} points), phases.csv, plots, report.html\n`);
      } else throw new NinrError(`${dir} has neither compare-config.json nor phases-config.json; is it a 'ninr compare' or 'ninr phases' output folder?`);
    });
}
