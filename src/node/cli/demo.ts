/**
 * `ninr demo`, the main job: train a vanilla MLP and an in-NINR MLP on Fashion-MNIST (the
 * bundled sample when the full set is absent, announced), then print their clean and
 * Gaussian-noise test accuracies side by side. Writes both run folders and demo.{json,md}
 * under --out (default ./runs/demo). Protocol: src/experiments/demo.ts.
 */
import type { Command } from "commander";
import { Option } from "commander";
import { join } from "node:path";
import { resolveConfig } from "../../config.ts";
import { addGaussianNoise } from "../../corrupt/additive.ts";
import { streamSeed } from "../../engine/keys.ts";
import { DEMO, demoSigma } from "../../experiments/demo.ts";
import { toMarkdown } from "../../report/tables.ts";
import { evaluate } from "../../train/evaluate.ts";
import { disposeResult } from "../../train/loop.ts";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { loadDataset } from "../data/fashionFiles.ts";
import { useDevice } from "../device.ts";
import { prepareOutDir } from "../runFolder.ts";
import { runTraining } from "../runTraining.ts";
import { num } from "./flags.ts";
import { progressBar } from "./progress.ts";
import { deviceFromFlags, runOption } from "./runFlags.ts";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("train a vanilla and an in-NINR MLP and compare their accuracy on clean and noisy test images")
    .addOption(
      new Option("--sigma <s>", "NIN noise scale of the in-NINR model, or 'auto': chosen from measured curvature for k = eta * lambda_noise ~ 1 (decay phase)")
        .default("auto")
        .argParser((raw: string) => (raw === "auto" ? raw : num("--sigma", { min: 0 })(raw))),
    )
    .addOption(runOption("epochs", DEMO.config.epochs).default(DEMO.config.epochs))
    .addOption(runOption("lr", DEMO.config.lr).default(DEMO.config.lr))
    .addOption(runOption("seed", DEMO.config.seed).default(DEMO.config.seed))
    .addOption(runOption("device"))
    .option("--data <dir>", "folder with the Fashion-MNIST IDX files")
    .option("--out <dir>", "where to write the runs", "runs/demo")
    .option("--quiet", "no progress output")
    .action(async (opts) => {
      const device = deviceFromFlags(opts);
      await useDevice(device);
      // Every value checked before the folder is made: a given sigma against the schema's range now, not after sigma search.
      if (opts.sigma !== "auto") resolveConfig({ ...DEMO.config, lr: opts.lr, epochs: opts.epochs, seed: opts.seed, device, nin: "input", sigma: opts.sigma });
      const ds = loadDataset({ dataDir: opts.data, allowSample: true });
      prepareOutDir(opts.out); // after the data: a missing --data folder leaves nothing behind
      if (ds.source === "sample") process.stderr.write(`note: full Fashion-MNIST not found; using the bundled sample (${ds.train.n} train / ${ds.test.n} test images)\n`);
      const base = { ...DEMO.config, lr: opts.lr, epochs: opts.epochs, seed: opts.seed, device };
      let sigma: number = opts.sigma;
      if (opts.sigma === "auto") {
        const r = await demoSigma(base, ds);
        sigma = Number(r.sigma.toPrecision(3));
        // The search's k is an estimate on its own (smaller) budget; the run's k0, measured by the run
        // itself and printed at the end, is the one number every table and summary of the run shows.
        const b = DEMO.sigmaBudget;
        if (!opts.quiet) process.stderr.write(`demo: sigma ${sigma} chosen for k = eta * lambda_noise ~ 1 (decay phase): search estimate ${r.k.toFixed(2)} (${r.history.length} measurements on ${b.batches} batch of ${b.batchSize}, tolerance ${b.tol * 100}%); the run's own k0 is printed at the end\n`);
      }
      const models = [
        { name: "vanilla", cfg: resolveConfig({ ...base, nin: "none" }) },
        { name: `in-NINR (sigma=${sigma})`, cfg: resolveConfig({ ...base, nin: "input", sigma }) },
      ];
      const table: Record<string, unknown>[] = DEMO.testNoise.map((s) => ({ test_noise: s }));
      const summaries: Record<string, Awaited<ReturnType<typeof runTraining>>["summary"] & { run_dir: string }> = {};
      for (const [mi, m] of models.entries()) {
        const dir = join(opts.out, mi === 0 ? "vanilla" : "in-ninr");
        const bar = progressBar(`demo ${m.name}`, process.stderr, Boolean(opts.quiet));
        const { summary, result } = await runTraining(m.cfg, dir, {
          dataset: ds,
          hooks: { onProgress: (d, t, loss) => bar.update(d, t, `loss ${loss.toFixed(3)}`) },
        });
        bar.done();
        summaries[m.name] = { ...summary, run_dir: dir };
        // The metric of docs/method.md §4.3 first: x + N(0, s^2) unclipped; the clipped variant
        // (clip to [0,1], which also shifts the brightness) beside it, on the same noise draws.
        for (const [i, s] of DEMO.testNoise.entries()) {
          for (const clip of [false, true]) {
            const images = s === 0 ? ds.test.images : addGaussianNoise(ds.test.images, s, streamSeed(opts.seed, `demo/test-noise/${i}`), clip);
            const r = await evaluate(result.fns, result.params, result.state, ds, { ...ds.test, images });
            table[i][`${m.name}${clip ? " clipped" : ""}`] = r.acc;
          }
        }
        disposeResult(result);
      }
      const fmt = (v: unknown) => (typeof v === "number" ? `${(v * 100).toFixed(1)}%` : String(v));
      const columns = [
        { key: "test_noise", title: "test noise s", format: (v: unknown) => (v === 0 ? "0 (clean)" : String(v)) },
        ...models.map((m) => ({ key: m.name, title: m.name, format: fmt })),
        ...models.map((m) => ({ key: `${m.name} clipped`, title: `${m.name}, clipped`, format: fmt })),
      ];
      const md = toMarkdown(table, columns);
      writeFileAtomic(join(opts.out, "demo.md"), `# ninr demo (${ds.source} data, ${opts.epochs} epochs, lr ${opts.lr}, seed ${opts.seed})\n\n${md}`);
      writeJsonAtomic(join(opts.out, "demo.json"), { data_source: ds.source, test_noise: DEMO.testNoise, accuracy: table, runs: summaries });
      const nin = summaries[models[1].name];
      const phase = nin.k_init !== undefined ? `\nin-NINR: k0 = eta * lambda_noise ${nin.k_init.toFixed(2)} at the start (the run's measurement, in its summary.json), ${nin.k_final?.toFixed(2) ?? "n/a"} at the end; predicted phase ${nin.predicted_phase}, observed ${nin.observed_phase}\n` : "";
      process.stdout.write(`\nTest accuracy, ${ds.source === "sample" ? "bundled sample" : "Fashion-MNIST"} (x + N(0, s^2); "clipped": then clipped to [0,1]):\n\n${md}${phase}\nRuns and tables in ${opts.out}/\n`);
    });
}
