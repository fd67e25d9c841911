/**
 * `ninr detector --preset quick|paper --out DIR`: the detector application on the synthetic
 * calorimeter (issue 12; src/experiments/detector.ts). Chooses the NINR sigmas from measured
 * curvature (cached in sigmas.json), trains every method x seed as `train` jobs over worker
 * processes (resumable: finished runs are skipped), scores each finished run on the nominal and
 * shifted test sets (cached in eval/<hash>.json), fits the shower-shape baseline, and writes
 * detector.{json,md,csv}, ROC and shower-shape plots and report.html. `--executor queue|index`
 * trains on a Redis queue's workers or a batch array (src/node/cli/executorFlags.ts); the
 * evaluation always runs here, from the run folders.
 */
import { type Command, Option } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tree } from "@jax-js/jax";
import { caloConfig } from "../../data/calo/config.ts";
import { resolveConfig } from "../../config.ts";
import { NinrError } from "../../errors.ts";
import { DETECTOR_PRESETS, type DetectorPreset, methodKeys } from "../../experiments/detector.ts";
import { type RunEval, aggregateDetector, detectorGaps, evaluateNetwork, showerShapeBaseline, splitShapes } from "../../experiments/detectorEval.ts";
import { buildNetwork } from "../../models/network.ts";
import { writeJsonAtomic } from "../atomic.ts";
import { loadNamedDataset } from "../env.ts";
import { acquireLock } from "../executors/local.ts";
import { writeDetectorReport } from "../report/detectorReport.ts";
import { writeShapePlots } from "../report/detectorShapes.ts";
import { disposeRun, loadRun, prepareOutDir } from "../runFolder.ts";
import { detectorExpansion, detectorPresetOf } from "../sweep/expand.ts";
import { detectorSpecOf } from "../sweep/verbSpecs.ts";
import { addExecutorFlags, checkExecutorFlags, verbExecutor, writeIndexPlan } from "./executorFlags.ts";
import { num, oneOf } from "./flags.ts";

function readText(file: string): string | null {
  try {
    return existsSync(file) ? readFileSync(file, "utf8") : null;
  } catch {
    return null;
  }
}

/** A cached evaluation read back (untrusted): used only when every number is there. */
function readEval(file: string): Pick<RunEval, "nominal" | "shifted"> | null {
  const t = readText(file);
  if (!t) return null;
  try {
    const v = JSON.parse(t);
    const ok = (d: unknown) => {
      const x = d as RunEval["nominal"];
      return !!x && Number.isFinite(x.auc) && Array.isArray(x.roc) && x.roc.every(Number.isFinite) && x.rejection && ["0.5", "0.8", "0.9"].every((k) => Number.isFinite(x.rejection[k]));
    };
    return ok(v.nominal) && ok(v.shifted) ? { nominal: v.nominal, shifted: v.shifted } : null;
  } catch {
    return null;
  }
}

function paramCount(model: string, width: number, info: Parameters<typeof buildNetwork>[1]): number {
  const shapes = buildNetwork(resolveConfig({ dataset: "calo", model, width } as Record<string, unknown>), info).shapes().params;
  return Object.values(shapes).reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
}

export function registerDetector(program: Command): void {
  addExecutorFlags(program.command("detector"))
    .description("prompt vs fragmentation photons on the synthetic calorimeter: vanilla, L2, Dropout, CDT, NINR (white and structured noise), shower-shape baseline; nominal vs shifted domain")
    .addOption(new Option("--preset <name>", "quick (about 30 min on 2 cores) | paper (hours) | smoke (seconds, tests)").default("quick").argParser(oneOf("--preset", Object.keys(DETECTOR_PRESETS))))
    .requiredOption("--out <dir>", "output folder")
    .addOption(new Option("--seeds <n>", "number of seeds (0..n-1; default: the preset's)").argParser(num("--seeds", { min: 1, max: 100, integer: true })))
    .addOption(new Option("--epochs <n>", "epochs for every method (default: the preset's)").argParser(num("--epochs", { min: 1, max: 10000, integer: true })))
    .addOption(new Option("--width <n>", "ResNet base width (default: the preset's)").argParser(num("--width", { min: 1, max: 1024, integer: true })))
    .addOption(new Option("--train-size <n>", "training images (0 = all; default: the preset's)").argParser(num("--train-size", { min: 0, max: 1e6, integer: true })))
    .addOption(new Option("--workers <n>", "parallel worker processes (default: cores)").argParser(num("--workers", { min: 1, integer: true })))
    .action(async (opts) => {
      // The preset with the flags applied, through the same spec a queued or indexed run uses.
      const p: DetectorPreset = detectorPresetOf(detectorSpecOf(opts));
      await checkExecutorFlags(opts);
      prepareOutDir(opts.out);
      acquireLock(opts.out);
      const log = (s: string) => process.stderr.write(s + "\n");
      if (opts.executor === "index") return writeIndexPlan(detectorSpecOf(opts), opts.out, { data: {}, log, rerun: "detector" });
      log("detector: generating the synthetic calorimeter data sets (calo, calo-shifted)");
      const nominal = loadNamedDataset("calo");
      const shifted = loadNamedDataset("calo-shifted");
      const { sigmas, cells, jobs } = await detectorExpansion(p, nominal, opts.out, log);
      const order = methodKeys(cells);
      const command = `ninr ${process.argv.slice(2).join(" ")}`;
      writeJsonAtomic(join(opts.out, "detector-config.json"), { preset: p, command, cells: cells.map((c, i) => ({ ...c, hash: jobs[i].hash })) });
      log(`detector: ${jobs.length} runs (${order.length} methods x ${p.seeds.length} seeds) on ${opts.executor === "queue" ? `queue '${opts.queue}'` : `${opts.workers ?? "all"} workers`} -> ${opts.out}`);
      // The evaluation below reads each run's trained parameters: on the queue they come back too.
      const executor = verbExecutor(opts, { outDir: opts.out, workers: opts.workers, data: {}, log, params: true, spec: () => detectorSpecOf(opts) });
      const outcomes = await executor.run(jobs, {
        onJobDone: (o, done, total) => {
          const c = cells[jobs.findIndex((j) => j.hash === o.job.hash)];
          const spe = typeof o.summary?.seconds_per_epoch === "number" ? ` ${o.summary.seconds_per_epoch.toFixed(0)} s/epoch` : "";
          log(`[${done}/${total}] ${c.method} ${c.noise} seed ${c.seed} ${o.status}${spe}${o.error ? `\n  ${o.error.split("\n")[0]}` : ""}`);
        },
      });
      const evals: RunEval[] = [];
      const timings = new Map<string, number[]>();
      for (const o of outcomes) {
        if (o.status === "failed") continue;
        const c = cells[jobs.findIndex((j) => j.hash === o.job.hash)];
        const evalFile = join(opts.out, "eval", `${o.job.hash}.json`);
        let ev = readEval(evalFile);
        if (!ev) {
          const run = loadRun(executor.dirOf(o.job), nominal);
          try {
            ev = await evaluateNetwork(run.fns.net, tree.ref(run.params), tree.ref(run.state), nominal, shifted);
          } finally {
            disposeRun(run);
          }
          writeJsonAtomic(evalFile, ev);
        }
        evals.push({ method: c.method, noise: c.noise, seed: c.seed, ...ev });
        const spe = o.summary?.seconds_per_epoch;
        if (typeof spe === "number") timings.set(`${c.method}|${c.noise}`, [...(timings.get(`${c.method}|${c.noise}`) ?? []), spe]);
      }
      log("detector: shower-shape baseline (logistic regression on R_eta, R_phi, w_eta2, R_had)");
      const baseline = showerShapeBaseline(nominal, shifted);
      for (const seed of p.seeds) evals.push({ method: "shower-shapes", noise: "none", seed, nominal: baseline.nominal, shifted: baseline.shifted });
      const fullOrder = [...order, "shower-shapes|none"];
      const rows = aggregateDetector(evals, fullOrder);
      const gaps = detectorGaps(evals, fullOrder);
      const shapePlots = await writeShapePlots(opts.out, splitShapes(nominal, nominal.test), nominal.test.labels, "nominal test set, synthetic calorimeter");
      await writeDetectorReport(opts.out, rows, gaps, {
        preset: p.name,
        command,
        generator: { nominal: caloConfig("nominal"), shifted: caloConfig("shifted"), train_images: nominal.train.n, test_images: nominal.test.n, seed: 0 },
        model: { name: p.model, width: p.width, params: paramCount(p.model, p.width, nominal), ...(p.model === "resnet18" ? { params_at_width_64: paramCount(p.model, 64, nominal) } : {}) },
        sigmas,
        timings: [...timings].map(([k, v]) => ({ method: k.split("|")[0], noise: k.split("|")[1], seconds_per_epoch: v.reduce((a, b) => a + b, 0) / v.length, runs: v.length })),
        baselineWeights: baseline.weights,
        shapePlots,
      });
      process.stdout.write(readFileSync(join(opts.out, "detector.md"), "utf8") + `\nreport: ${join(opts.out, "report.html")}\n`);
      const failed = outcomes.filter((o) => o.status === "failed");
      if (failed.length) throw new NinrError(`${failed.length} of ${outcomes.length} runs failed (first: ${failed[0].error?.split("\n")[0]}); rerun the same command to retry them`);
    });
}
