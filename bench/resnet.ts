/**
 * ResNet-18 train-step throughput (samples/s) on 32x32x3 images, 10 classes, batch 32, plain SGD,
 * at base widths 16 and 64, without NINs and with in-NINR; and the cost of structured noise
 * (correlated, pileup) against white noise at width 16. Single-threaded Wasm unless
 * NINR_DEVICE/--device says otherwise; numbers go to bench/README.md by hand.
 *
 *   npx tsx bench/resnet.ts [widths=16,64] [steps=3]
 */
import { nn, numpy as np, random, tree } from "@jax-js/jax";
import { resolveConfig } from "../src/config.ts";
import { makeStepFns } from "../src/train/step.ts";

const widths = (process.argv[2] ?? "16,64").split(",").map(Number);
const steps = Number(process.argv[3] ?? 3);
const B = 32;
const DATA = { inputShape: [32, 32, 3], classes: 10, range: [0, 1] as [number, number] };

async function bench(c: Record<string, unknown>): Promise<void> {
  const cfg = resolveConfig({ model: "resnet18", sigma: 0.1, batch: B, lr: 0.01, ...c });
  const fns = makeStepFns(cfg, DATA);
  let { params, state } = fns.net.init(random.key(0));
  let opt = fns.init(tree.ref(params));
  const x = random.uniform(random.key(1), [B, 32 * 32 * 3]);
  const y = nn.oneHot(np.array(Array.from({ length: B }, (_, i) => i % 10), { dtype: np.int32 }), 10).astype(np.float32);
  const step = async (i: number) => {
    const [p, s, o, loss, correct] = fns.trainStep(params, state, opt, x.ref, y.ref, random.key(i));
    [params, state, opt] = [p, s, o];
    correct.dispose();
    await loss.data();
  };
  const t0 = performance.now();
  await step(0); // compile
  const compile = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  for (let i = 1; i <= steps; i++) await step(i);
  const per = (performance.now() - t1) / 1000 / steps;
  console.log(`${JSON.stringify(c)}: first step ${compile.toFixed(1)} s, then ${per.toFixed(2)} s/step = ${(B / per).toFixed(1)} samples/s`);
  fns.dispose();
  tree.dispose([params, state, opt, x, y]);
}

for (const width of widths) {
  await bench({ width, nin: "none" });
  await bench({ width, nin: "input" });
}
for (const noise of ["correlated", "pileup"]) await bench({ width: Math.min(...widths), nin: "input", noise });
