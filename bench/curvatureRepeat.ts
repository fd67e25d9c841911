/**
 * Repeated curvature estimates as a k(t) trace makes them (one reused meter, the W3 workload:
 * MLP 784-512-512-10 in-NINR, sigma 10, batch 256, tol 1e-3), in gradient-equivalents: each
 * estimate's time over the time of one jitted gradient of the same loss and batch measured right
 * after it, in the same process; medians over `reps` rounds in which the variants alternate (the
 * machine may be busy: rely on these same-run ratios, not on the milliseconds).
 *
 *   npx tsx bench/curvatureRepeat.ts [--reps 5] [--which noise,niw]
 *
 * Variants per number:
 *   cold    the meter's first call (lambda_noise: the eager linearised operator; random start)
 *   chunked a reused meter with warmStart false (lambda_noise: compiled chunks, random start)
 *   warm    a reused meter (the default: compiled chunks for lambda_noise, warm starts)
 * Each training step moves the parameters a little between trace points; here they stay fixed
 * and each call draws fresh noise (a new seed), so "warm" starts from another noise draw's vector.
 */
import os from "node:os";
import { random, tree } from "@jax-js/jax";
import { deviceBatch, range } from "../src/data/dataset.ts";
import { type CurvatureResult, curvatureModelFor, drawNoise, makeCurvatureMeter } from "../src/dynamics/curvature.ts";
import { type NoisyBatch } from "../src/dynamics/hvp.ts";
import { CURVATURE_BATCH, CURVATURE_CFG, FASHION_INFO } from "../src/node/bench/ours.ts";
import { loadDataset } from "../src/node/data/fashionFiles.ts";

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const reps = Number(arg("reps", "5"));
const numbers = arg("which", "noise,niw").split(",") as ("noise" | "niw")[];

const cfg = CURVATURE_CFG;
const model = curvatureModelFor(cfg, FASHION_INFO);
const { params, state } = model.net.init(random.key(0));
const ds = loadDataset({ allowSample: true });
const { x, y } = deviceBatch(ds, ds.train, range(0, CURVATURE_BATCH));
const data = [{ x, y }];
const gradBatch: NoisyBatch = { x: x.ref, y: y.ref, eps: drawNoise(model, random.key(7), CURVATURE_BATCH), state: tree.ref(state) };
console.log(`# repeated curvature estimates, W3 (MLP ${cfg.widths.join("-")}, in-NINR, sigma ${cfg.sigma}, batch ${CURVATURE_BATCH}, data ${ds.source}); reps ${reps}; load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
let seed = 1000;
for (const which of numbers) {
  const opts = { which: { noise: which === "noise", hessian: false, niw: which === "niw" }, batches: 1, timeGradient: false };
  const warm = makeCurvatureMeter(model, opts);
  const chunked = makeCurvatureMeter(model, { ...opts, warmStart: false });
  const gradMeter = makeCurvatureMeter(model, opts);
  const gradMs = () => gradMeter.gradMs(params, gradBatch);
  await gradMs();
  for (const m of [warm, chunked]) for (let i = 0; i < 2; i++) await m.measure(params, state, data, { seed: seed++ }); // compile
  const rows: Record<string, { ge: number[]; matvecs: number[]; value: number[] }> = {};
  const record = async (name: string, r: CurvatureResult) => {
    const g = await gradMs();
    const row = (rows[name] ??= { ge: [], matvecs: [], value: [] });
    row.ge.push((r.seconds * 1000) / g);
    row.matvecs.push(r.per_batch[0].matvecs[which]);
    row.value.push((which === "noise" ? r.lambda_noise : r.lambda_niw)!);
  };
  for (let r = 0; r < reps; r++) {
    const cold = makeCurvatureMeter(model, opts);
    await record("cold (first call of a meter)", await cold.measure(params, state, data, { seed: seed++ }));
    cold.dispose();
    await record("reused, warmStart false", await chunked.measure(params, state, data, { seed: seed++ }));
    await record("reused, warm start (default)", await warm.measure(params, state, data, { seed: seed++ }));
  }
  console.log(`\n## lambda_${which}\n| variant | gradient-equivalents (median) | all | matvecs | value |\n|---|---:|---|---|---|`);
  for (const [name, r] of Object.entries(rows))
    console.log(`| ${name} | ${med(r.ge).toFixed(2)} | ${r.ge.map((v) => v.toFixed(1)).join(" ")} | ${r.matvecs.join(" ")} | ${med(r.value).toPrecision(5)} |`);
  for (const m of [warm, chunked, gradMeter]) m.dispose();
}
tree.dispose(params);
tree.dispose(state);
tree.dispose(gradBatch);
x.dispose();
y.dispose();
