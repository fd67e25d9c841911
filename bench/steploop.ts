/**
 * What the training loop adds to a train step (issue 14, "host round trips"): the paper
 * preset's MLP step (784-512-512-10, batch 64, with and without an input NIN) in a tight loop
 * (one fixed device batch, one read a step) against the loop's own pattern (src/train/loop.ts: a
 * fresh device batch gathered from the training images, a key sliced off the epoch's keys, loss
 * and correct count read back every step), alternating, single-threaded, ms per step.
 *
 *   npx tsx bench/steploop.ts [--steps 300] [--rounds 3]
 */
import { random, tree } from "@jax-js/jax";
import { resolveConfig } from "../src/config.ts";
import { deviceBatch } from "../src/data/dataset.ts";
import { HostRng } from "../src/engine/hostRng.ts";
import { FASHION_INFO } from "../src/node/bench/ours.ts";
import { loadDataset } from "../src/node/data/fashionFiles.ts";
import { makeStepFns } from "../src/train/step.ts";

function arg(name: string, dflt: string): number {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt);
}
const n = arg("steps", "300");
const rounds = arg("rounds", "3");
const B = 64;
const ds = loadDataset({ allowSample: true });
if (ds.train.n < n * B) throw new Error(`bench/steploop.ts: ${n} steps of ${B} need ${n * B} training images, the data has ${ds.train.n}; pass --steps ${Math.floor(ds.train.n / B)}`);

for (const nin of ["none", "input"]) {
  const cfg = resolveConfig({ nin, sigma: 10, batch: B });
  const fns = makeStepFns(cfg, FASHION_INFO);
  let { params, state } = fns.net.init(random.key(0));
  let opt = fns.init(params);
  const perm = new HostRng(1).permutation(ds.train.n);
  const fixed = deviceBatch(ds, ds.train, perm.subarray(0, B));
  const tight = async () => {
    const keys = random.split(random.key(3), n);
    const t = performance.now();
    for (let s = 0; s < n; s++) {
      const [p, st, o, loss, correct] = fns.trainStep(params, state, opt, fixed.x.ref, fixed.y.ref, keys.ref.slice(s));
      [params, state, opt] = [p, st, o];
      correct.dispose();
      await loss.data();
    }
    keys.dispose();
    return (performance.now() - t) / n;
  };
  const loop = async () => {
    const keys = random.split(random.key(4), n);
    const t = performance.now();
    for (let s = 0; s < n; s++) {
      const { x, y } = deviceBatch(ds, ds.train, perm.subarray(s * B, (s + 1) * B));
      const [p, st, o, loss, correct] = fns.trainStep(params, state, opt, x, y, keys.ref.slice(s));
      [params, state, opt] = [p, st, o];
      await loss.data();
      await correct.data();
    }
    keys.dispose();
    return (performance.now() - t) / n;
  };
  await tight(); // compile and warm
  await loop();
  const rows: string[] = [];
  for (let r = 0; r < rounds; r++) rows.push(`tight ${(await tight()).toFixed(2)} / loop ${(await loop()).toFixed(2)}`);
  console.log(`nin ${nin}, ${cfg.widths.join("-")}, batch ${B}, ms per step: ${rows.join(" | ")}`);
  fns.dispose();
  tree.dispose(params);
  tree.dispose(state);
  tree.dispose(opt);
  fixed.x.dispose();
  fixed.y.dispose();
}
