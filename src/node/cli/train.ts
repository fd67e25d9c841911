/**
 * `ninr train`: one run from flags (or --config run.json with the same keys; flags win).
 */
import type { Command } from "commander";
import { disposeResult } from "../../train/loop.ts";
import { useDevice } from "../device.ts";
import { runTraining } from "../runTraining.ts";
import { progressBar } from "./progress.ts";
import { addRunFlags, configFromFlags } from "./runFlags.ts";

export function registerTrain(program: Command): void {
  const cmd = program.command("train").description("train one network (vanilla, NINR or a baseline) and write its run folder");
  addRunFlags(cmd)
    .requiredOption("--out <dir>", "run folder to write (config.json, metrics.jsonl, summary.json, params.safetensors)")
    .option("--allow-sample", "fall back to the bundled 1k-image sample when the full data is absent")
    .option("--no-curvature", "with NINs: skip measuring k = eta * lambda_noise at the start and end")
    .option("--quiet", "no progress output")
    .action(async (opts: Record<string, unknown>) => {
      const cfg = configFromFlags(opts, cmd);
      await useDevice(cfg.device);
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
