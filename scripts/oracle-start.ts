/**
 * Export a vanilla MLP run's starting point, so another implementation can train from exactly
 * where ours does: the fit / holdout indices into the 60k training images, the batch order of
 * the first epochs, and the initial parameters. With `--train` it also trains one epoch here and
 * writes the final parameters and accuracies, for a step-by-step comparison.
 * The reader is docs/results/oracle-torch-fc/same_start.py (PyTorch).
 *
 *   npx tsx scripts/oracle-start.ts --init pytorch|he-normal --seeds 0-9 --out DIR [--train]
 *
 * Writes DIR/<init>-<seed>/: fit.i32, holdout.i32, order.i32 (int32 little-endian; order holds
 * `ORDER_EPOCHS` epochs of 859 batches x 64 indices into the fit split, as src/train/loop.ts
 * draws them), init.safetensors, and with --train final.safetensors + ours.json.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "../src/config.ts";
import { paramsToHost } from "../src/experiments/record.ts";
import { encodeSafetensors } from "../src/io/safetensors.ts";
import type { Params } from "../src/models/model.ts";
import { loadFashionMnist } from "../src/node/data/fashionFiles.ts";
import { batchOrder, initialParams, train } from "../src/train/loop.ts";
import { fitHoldoutIndices, prepareData } from "../src/train/prepare.ts";

const ORDER_EPOCHS = 3;

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: npx tsx scripts/oracle-start.ts --init pytorch|he-normal --seeds A-B --out DIR [--train]\n`);
  process.exit(2);
}
const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const init = opt("--init");
const seeds = opt("--seeds")?.match(/^(\d+)(?:-(\d+))?$/);
const out = opt("--out");
if (init !== "pytorch" && init !== "he-normal") usage(`--init ${init} is not pytorch or he-normal`);
if (!seeds) usage(`--seeds ${opt("--seeds")} is not A or A-B (e.g. 0-9)`);
if (!out) usage("--out DIR is missing");
const [lo, hi] = [+seeds[1], +(seeds[2] ?? seeds[1])];

const safetensors = async (params: Params) => encodeSafetensors(await paramsToHost(params));

const ds = loadFashionMnist();
for (let seed = lo; seed <= hi; seed++) {
  const dir = join(out, `${init}-${seed}`);
  mkdirSync(dir, { recursive: true });
  const cfg = resolveConfig({ init, seed, epochs: 1, stepLogEvery: 1e6 });
  const split = fitHoldoutIndices(ds.train.n, cfg.holdout);
  writeFileSync(join(dir, "holdout.i32"), split.holdout);
  writeFileSync(join(dir, "fit.i32"), split.fit);
  const epochs = batchOrder(seed, split.fit.length, cfg.batch); // what train() draws
  const order: number[] = [];
  for (let e = 0; e < ORDER_EPOCHS; e++) for (const b of epochs.nextEpoch()) order.push(...b);
  writeFileSync(join(dir, "order.i32"), Int32Array.from(order));
  if (!args.includes("--train")) {
    const { params } = initialParams(cfg, ds);
    writeFileSync(join(dir, "init.safetensors"), await safetensors(params));
    continue;
  }
  const r = await train(cfg, ds, prepareData(ds, cfg), { onStart: async (p) => writeFileSync(join(dir, "init.safetensors"), await safetensors(p)) });
  writeFileSync(join(dir, "final.safetensors"), await safetensors(r.params));
  writeFileSync(join(dir, "ours.json"), JSON.stringify({ init, seed, epochs: 1, holdout_acc: r.holdout?.acc, test_acc: r.test.acc }) + "\n");
  console.log(`${init} seed ${seed}: trained 1 epoch here, holdout ${r.holdout?.acc} test ${r.test.acc}`);
}
