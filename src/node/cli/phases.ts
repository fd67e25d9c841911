/**
 * `ninr phases`: the E1 phase diagram. Expands a preset into phase jobs, runs them over worker
 * processes (resumable: finished points are never redone), and writes phases.json, phases.csv,
 * plots and report.html into --out. `--executor queue|index` runs the same jobs on a Redis
 * queue's workers or a batch array (src/node/cli/executorFlags.ts).
 */
import { type Command, Option } from "commander";
import { WEIGHT_INITS } from "../../engine/init.ts";
import { NinrError } from "../../errors.ts";
import { PHASES_PRESETS, phaseJobs } from "../../experiments/phases.ts";
import { modelNames } from "../../models/registry.ts";
import { fitSize } from "../../train/prepare.ts";
import { writeJsonAtomic } from "../atomic.ts";
import { loadDataset } from "../data/fashionFiles.ts";
import { acquireLock } from "../executors/local.ts";
import { loadPhaseRuns, writePhasesReport } from "../report/phasesReport.ts";
import { checkSweepFolder, prepareOutDir } from "../runFolder.ts";
import { phasesPresetOf } from "../sweep/expand.ts";
import { phasesSpecOf } from "../sweep/verbSpecs.ts";
import { addExecutorFlags, checkExecutorFlags, verbExecutor, writeIndexPlan } from "./executorFlags.ts";
import { num, numList, oneOf } from "./flags.ts";
import { deviceFromFlags, runOption } from "./runFlags.ts";
import { useDevice } from "../device.ts";
import { join } from "node:path";

export function registerPhases(program: Command): void {
  addExecutorFlags(program.command("phases"))
    .description("sweep sigma on a log grid and map the NINR phases (decoupled, decay, catapult, divergent)")
    .addOption(new Option("--preset <name>", "quick (1 seed, MLP, ~10 min) | paper (MLP+CNN, 5 seeds, hours)").default("quick").argParser(oneOf("--preset", Object.keys(PHASES_PRESETS))))
    .requiredOption("--out <dir>", "output folder (runs/, phases.json, phases.csv, plots, report.html)")
    .addOption(new Option("--sigmas <list>", "override the sigma grid, e.g. 1,10,100").argParser(numList("--sigmas", num("--sigmas", { min: 0, minExclusive: true, max: 1e6 }))))
    .addOption(new Option("--lrs <list>", "override the learning rates (a second knob)").argParser(numList("--lrs", num("--lrs", { min: 0, minExclusive: true, max: 1e6 }))))
    .addOption(new Option("--seeds <n>", "number of seeds").argParser(num("--seeds", { min: 1, max: 1000, integer: true })))
    .addOption(new Option("--models <list>", "mlp,cnn").argParser((raw: string) => raw.split(",").map((m) => oneOf("--models", modelNames())(m.trim()))))
    .addOption(new Option("--inits <list>", `weight-init schemes to sweep, e.g. pytorch,he-normal (${WEIGHT_INITS.join(", ")})`).argParser((raw: string) => raw.split(",").map((m) => oneOf("--inits", WEIGHT_INITS)(m.trim()))))
    .addOption(new Option("--optimizer <name>", "optimizer of every run: sgd | adam (docs/method.md §2.3: Adam has no k edge; the SGD rule is shown)").argParser(oneOf("--optimizer", ["sgd", "adam"] as const)))
    .addOption(new Option("--momentum <beta>", "heavy-ball momentum of every run, in [0, 1) (the catapult edge moves to k = 2 (1 + beta))").argParser(num("--momentum", { min: 0, max: 0.999 })))
    .addOption(new Option("--epochs <n>", "epochs of every run (default: the preset's; longer runs let slow NIW decay be observed, docs/method.md §2.6)").argParser(num("--epochs", { min: 1, max: 100000, integer: true })))
    .addOption(new Option("--workers <n>", "parallel worker processes (default: cores)").argParser(num("--workers", { min: 1, max: 1024, integer: true })))
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files")
    .option("--allow-sample", "fall back to the bundled sample when the full data is absent")
    .addOption(runOption("device"))
    .option("--json", "print the summary as JSON on stdout")
    .action(async (opts) => {
      await useDevice(deviceFromFlags(opts)); // the workers inherit the choice (NINR_DEVICE)
      const optimizer = opts.optimizer ?? PHASES_PRESETS[opts.preset].optimizer;
      if (optimizer === "adam" && opts.momentum) throw new NinrError(`--momentum ${opts.momentum} applies to sgd; adam has its own b1 (0.9): drop --momentum or use --optimizer sgd`);
      // The preset with the flags applied, through the same spec a queued or indexed run uses.
      const preset = phasesPresetOf(phasesSpecOf(opts));
      // A bounded grid, checked before anything is written (each point is a training run).
      const points = (opts.sigmas?.length ?? 1) * preset.lrs.length * preset.seeds.length * preset.models.length * preset.inits.length;
      if (points > 5000) throw new NinrError(`--sigmas x --lrs x --seeds x --models x --inits make ${points} runs; at most 5000 per sweep (split it over several --out folders)`);
      await checkExecutorFlags(opts);
      prepareOutDir(opts.out);
      checkSweepFolder(opts.out, ["phases-config.json"]);
      acquireLock(opts.out); // before anything is written: a second sweep on this folder stops here (released at exit)
      const data = { dataDir: opts.data, allowSample: Boolean(opts.allowSample) };
      if (opts.executor === "index") return writeIndexPlan(phasesSpecOf(opts), opts.out, { data, log: (s) => process.stderr.write(s + "\n"), json: Boolean(opts.json), rerun: "phases" });
      const ds = loadDataset({ dataDir: opts.data, allowSample: Boolean(opts.allowSample) });
      if (ds.source === "sample") process.stderr.write("note: full Fashion-MNIST not found; the phase sweep runs on the bundled sample\n");
      const jobs = phaseJobs(preset, ds, { fitSize: fitSize(ds), sigmas: opts.sigmas });
      writeJsonAtomic(join(opts.out, "phases-config.json"), { preset, command: process.argv.slice(2).join(" "), jobs: jobs.length });
      const log = (s: string) => opts.json || process.stderr.write(s + "\n");
      log(`phases: ${jobs.length} runs (${preset.name} preset) on ${opts.executor === "queue" ? `queue '${opts.queue}'` : `${opts.workers ?? "all"} workers`} -> ${opts.out}`);
      const executor = verbExecutor(opts, { outDir: opts.out, workers: opts.workers, data, log, spec: () => phasesSpecOf(opts) });
      const outcomes = await executor.run(jobs, {
        onJobDone: (o, done, total) => {
          const c = (o.job.kind === "phase" ? o.job.spec.config : {}) as Record<string, unknown>;
          const ph = o.summary?.phase as Record<string, unknown> | undefined;
          const what = ph ? `${o.status}: k=${Number(ph.k).toPrecision(3)} predicted ${ph.predicted_phase}, observed ${ph.observed_phase}` : o.status;
          log(`[${done}/${total}] ${c.model}${c.init && c.init !== "pytorch" ? ` ${c.init}` : ""} sigma=${c.sigma} lr=${c.lr} seed=${c.seed} ${what}${o.seconds ? ` (${o.seconds.toFixed(0)}s)` : ""}${o.error ? `\n  ${o.error.split("\n")[0]}` : ""}`);
        },
      });
      const failed = outcomes.filter((o) => o.status === "failed");
      const runs = loadPhaseRuns(outcomes.map((o) => executor.dirOf(o.job)));
      const summary = await writePhasesReport(opts.out, runs, { preset: preset.name, command: `ninr ${process.argv.slice(2).join(" ")}` });
      if (opts.json) process.stdout.write(JSON.stringify({ ...summary, failed: failed.length }, null, 2) + "\n");
      else
        process.stdout.write(
          `phases: ${summary.points} points, predicted = observed on ${(summary.agreement * 100).toFixed(0)}%; observed in sigma order: ${summary.observed_phases_in_sigma_order.join(" -> ")}\n` +
            `report: ${join(opts.out, "report.html")}\n`,
        );
      if (failed.length) throw new NinrError(`${failed.length} of ${outcomes.length} runs failed (first: ${failed[0].error?.split("\n")[0]}); rerun the same command to retry them`);
    });
}
