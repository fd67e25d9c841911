/**
 * Cost of the NIW probe (||theta||, ||J theta|| on 32 images; run on every logged first-epoch
 * step, see `ninr train --step-log-every`) against one train step at batch 64, for the default
 * in-NINR and full-NINR MLPs and the in-NINR CNN. Single-threaded; the help text quotes it.
 *
 *   npx tsx bench/probe.ts
 */
import { numpy as np, random, tree } from "@jax-js/jax";
import { resolveConfig } from "../src/config.ts";
import { FASHION_INFO } from "../src/node/bench/ours.ts";
import { makeStepFns } from "../src/train/step.ts";

for (const c of [{ nin: "input" }, { nin: "all" }, { model: "cnn", nin: "input" }]) {
  const cfg = resolveConfig({ ...c, sigma: 1 });
  const fns = makeStepFns(cfg, FASHION_INFO);
  let { params, state } = fns.net.init(random.key(0));
  let opt = fns.init(params);
  const x = random.uniform(random.key(1), [64, 784]);
  const y = np.zeros([64, 10]).add(0.1);
  const px = random.uniform(random.key(3), [32, 784]);
  const step = async () => {
    const [p, st, o, loss, correct] = fns.trainStep(params, state, opt, x.ref, y.ref, random.key(5));
    params = p;
    state = st;
    opt = o;
    correct.dispose();
    await loss.data();
  };
  const probe = async () => void (await fns.probe(tree.ref(params), tree.ref(state), px.ref).data());
  const n = cfg.model === "cnn" ? 5 : 30;
  const time = async (f: () => Promise<void>) => {
    for (let i = 0; i < 3; i++) await f();
    const t = performance.now();
    for (let i = 0; i < n; i++) await f();
    return (performance.now() - t) / n;
  };
  const ts = await time(step);
  const tp = await time(probe);
  console.log(`${JSON.stringify(c)}: step ${ts.toFixed(2)} ms, probe ${tp.toFixed(2)} ms (${((100 * tp) / ts).toFixed(0)}% of a step)`);
  fns.dispose();
  tree.dispose(params);
  tree.dispose(state);
  tree.dispose(opt);
  for (const a of [x, y, px]) a.dispose();
}
