/**
 * `ninr train`: one run from flags (or --config run.json with the same keys; flags win).
 */
import { type Command, Option } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { type RunConfig, resolveConfig } from "../config.ts";
import { NinrError } from "../errors.ts";
import { disposeResult, runTraining } from "../train/run.ts";
import { num, numList, oneOf } from "./flags.ts";
import { progressBar } from "./progress.ts";

/** Flags shared by every verb that configures a run (train, and the sweeps built on it). */
export function addRunFlags(cmd: Command): Command {
  return cmd
    .addOption(new Option("--model <kind>", "network: mlp | cnn").argParser(oneOf("--model", ["mlp", "cnn"] as const)))
    .addOption(new Option("--widths <list>", "MLP widths, e.g. 784,512,512,10").argParser(numList("--widths", num("--widths", { min: 1, integer: true }))))
    .addOption(new Option("--nin <where>", "noise injection nodes: none | input | all").argParser(oneOf("--nin", ["none", "input", "all"] as const)))
    .addOption(new Option("--no-nin-logit", "full-NINR: no NIN before the logit layer"))
    .addOption(new Option("--sigma <s>", "noise standard deviation (>= 0)").argParser(num("--sigma", { min: 0 })))
    .addOption(new Option("--noise <kind>", "noise distribution: gaussian | uniform").argParser(oneOf("--noise", ["gaussian", "uniform"] as const)))
    .addOption(new Option("--theta-init <how>", "NIW init: default | normal | uniform").argParser(oneOf("--theta-init", ["default", "normal", "uniform"] as const)))
    .addOption(new Option("--theta-scale <s>", "NIW init scale for normal/uniform (> 0)").argParser(num("--theta-scale", { min: 0, minExclusive: true })))
    .addOption(new Option("--cnin-shape <shape>", "cNINR theta shape: chw | hw").argParser(oneOf("--cnin-shape", ["chw", "hw"] as const)))
    .addOption(new Option("--eval-noise", "evaluate with the NIN noise on"))
    .addOption(new Option("--l2 <lambda>", "L2 on weights (>= 0)").argParser(num("--l2", { min: 0 })))
    .addOption(new Option("--dropout <p>", "dropout probability in [0,1)").argParser(num("--dropout", { min: 0, max: 1, maxExclusive: true })))
    .addOption(new Option("--cdt <s>", "train on inputs + N(0, s^2) (>= 0)").argParser(num("--cdt", { min: 0 })))
    .addOption(new Option("--cdt-clip", "clip CDT inputs to [0,1]"))
    .addOption(new Option("--lr <eta>", "learning rate (> 0)").argParser(num("--lr", { min: 0, minExclusive: true })))
    .addOption(new Option("--momentum <beta>", "SGD momentum in [0,1)").argParser(num("--momentum", { min: 0, max: 1, maxExclusive: true })))
    .addOption(new Option("--batch <n>", "batch size (integer >= 1)").argParser(num("--batch", { min: 1, integer: true })))
    .addOption(new Option("--epochs <n>", "epochs (integer >= 1)").argParser(num("--epochs", { min: 1, integer: true })))
    .addOption(new Option("--seed <n>", "random seed (integer >= 0)").argParser(num("--seed", { min: 0, max: 2 ** 31 - 1, integer: true })))
    .addOption(new Option("--train-size <n>", "training images to use (0 = all)").argParser(num("--train-size", { min: 0, integer: true })))
    .addOption(new Option("--holdout <n>", "training images held out for selection").argParser(num("--holdout", { min: 0, integer: true })))
    .addOption(new Option("--step-log-every <n>", "first-epoch step metrics every n steps (each with the NIW probe ||theta||, ||J theta||: 28-35% of an in-NINR MLP step, 43-54% with NINs on every layer, 60% of a CNN step; bench/probe.ts)").argParser(num("--step-log-every", { min: 1, integer: true })))
    .addOption(new Option("--config <file>", "JSON file with RunConfig keys (flags override it)"))
    .addOption(new Option("--data <dir>", "folder with the Fashion-MNIST IDX files"));
}

const FLAG_KEYS: Record<string, keyof RunConfig> = {
  model: "model", widths: "widths", nin: "nin", ninLogit: "ninLogit", sigma: "sigma", noise: "noise",
  thetaInit: "thetaInit", thetaScale: "thetaScale", cninShape: "cninShape", evalNoise: "evalNoise",
  l2: "l2", dropout: "dropout", cdt: "cdt", cdtClip: "cdtClip", lr: "lr", momentum: "momentum",
  batch: "batch", epochs: "epochs", seed: "seed", trainSize: "trainSize", holdout: "holdout", stepLogEvery: "stepLogEvery",
};

/** Read --config (if any), overlay the flags the user gave, validate. */
export function configFromFlags(opts: Record<string, unknown>, cmd: Command, base: Partial<RunConfig> = {}): RunConfig {
  let fromFile: Record<string, unknown> = {};
  if (typeof opts.config === "string") {
    if (!existsSync(opts.config)) throw new NinrError(`--config: file '${opts.config}' does not exist`);
    try {
      fromFile = JSON.parse(readFileSync(opts.config, "utf8"));
    } catch (e) {
      throw new NinrError(`--config: '${opts.config}' is not valid JSON (${(e as Error).message})`);
    }
    // A run folder's config.json carries data provenance keys; they are not RunConfig keys.
    delete fromFile.data_source;
    delete fromFile.data_dir;
  }
  const fromFlags: Record<string, unknown> = {};
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    // Only flags the user actually typed override the file (commander fills in negatable defaults).
    if (opts[flag] !== undefined && cmd.getOptionValueSource(flag) === "cli") fromFlags[key] = opts[flag];
  }
  return resolveConfig({ ...base, ...fromFile, ...fromFlags });
}

export function registerTrain(program: Command): void {
  const cmd = program.command("train").description("train one network (vanilla, NINR or a baseline) and write its run folder");
  addRunFlags(cmd)
    .requiredOption("--out <dir>", "run folder to write (config.json, metrics.jsonl, summary.json, params.safetensors)")
    .option("--allow-sample", "fall back to the bundled 1k-image sample when the full data is absent")
    .option("--no-curvature", "with NINs: skip measuring k = eta * lambda_noise at the start and end")
    .option("--quiet", "no progress output")
    .action(async (opts: Record<string, unknown>) => {
      const cfg = configFromFlags(opts, cmd);
      const bar = progressBar(`train ${cfg.model}/${cfg.nin}`, process.stderr, Boolean(opts.quiet));
      const { summary, dataset, result } = await runTraining(cfg, String(opts.out), {
        dataDir: opts.data as string | undefined,
        allowSample: Boolean(opts.allowSample),
        curvature: opts.curvature !== false,
        hooks: { onProgress: (d, t, loss) => bar.update(d, t, `loss ${loss.toFixed(3)}`) },
      });
      bar.done();
      if (dataset.source === "sample") process.stderr.write("note: trained on the bundled 1k-image sample (full Fashion-MNIST not found)\n");
      disposeResult(result);
      const niw =
        (summary.niw_norm.length ? `  ||theta|| ${summary.niw_norm.map((v) => v.toFixed(3)).join(",")}` : "") +
        (summary.predicted_phase ? `  k ${summary.k_init!.toPrecision(3)}: predicted ${summary.predicted_phase}, observed ${summary.observed_phase}` : "");
      process.stdout.write(
        `${summary.diverged ? "DIVERGED at step " + summary.diverged_step + "; " : ""}clean test acc ${(summary.clean_test_acc * 100).toFixed(2)}%  ` +
          `final train loss ${summary.final_train_loss.toFixed(4)}${niw}  ${summary.seconds.toFixed(1)}s -> ${opts.out}\n`,
      );
    });
}
