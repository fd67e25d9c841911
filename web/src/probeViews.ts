/**
 * What the page shows of the trained nets: accuracy on clean and noisy test images against the
 * test-noise strength (the robustness curve, `ninr demo`'s x + N(0, s^2) on the same named noise
 * streams), and predicted labels of a few test images under one test-noise strength. DOM-free;
 * params are borrowed.
 */
import { tree } from "@jax-js/jax";
import { addGaussianNoise } from "../../src/corrupt/additive.ts";
import { deviceBatch, range } from "../../src/data/dataset.ts";
import { streamSeed } from "../../src/engine/keys.ts";
import { evaluate } from "../../src/train/evaluate.ts";
import type { LiveRun } from "./liveRun.ts";

/** Test-noise strengths of the robustness curve (the demo's). */
export const TEST_NOISE = [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1];

export type RobustnessPoint = { s: number; acc: Record<string, number> };

/** Accuracy of every net of the run on the test split, clean and at each strength. */
export async function robustness(run: LiveRun, strengths = TEST_NOISE): Promise<RobustnessPoint[]> {
  const out: RobustnessPoint[] = [];
  const test = run.data.test;
  for (const [i, s] of strengths.entries()) {
    const images = s === 0 ? test.images : addGaussianNoise(test.images, s, streamSeed(run.settings.seed, `demo/test-noise/${i}`), false);
    const acc: Record<string, number> = {};
    for (const n of run.nets_()) acc[n.name] = n.diverged ? NaN : (await evaluate(n.fns, n.params, n.state, run.ds, { ...test, images })).acc;
    out.push({ s, acc });
  }
  return out;
}

/** `predicted`: each net's class, -1 for a diverged net. */
export type Prediction = { pixels: Float32Array; label: number; predicted: Record<string, number> };

/** The first `count` test images under x + N(0, s^2) (clipped for display), with each net's predicted class. */
export async function predictions(run: LiveRun, count: number, s: number): Promise<Prediction[]> {
  const test = run.data.test;
  const n = Math.min(count, test.n);
  const D = 784;
  // One image per class where possible: the sample's test split is sorted by original index.
  const picked: number[] = [];
  for (let c = 0; c < 10 && picked.length < n; c++) {
    const i = test.labels.findIndex((l) => l === c);
    if (i >= 0) picked.push(i);
  }
  for (let i = 0; picked.length < n && i < test.n; i++) if (!picked.includes(i)) picked.push(i);
  const raw = new Float32Array(n * D);
  picked.forEach((i, r) => raw.set(test.images.subarray(i * D, (i + 1) * D), r * D));
  const images = s === 0 ? raw : addGaussianNoise(raw, s, streamSeed(run.settings.seed, "playground/grid-noise"), true);
  const split = { images, labels: Uint8Array.from(picked.map((i) => test.labels[i])), n };
  const preds: Record<string, number[]> = {};
  for (const net of run.nets_()) {
    if (net.diverged) {
      preds[net.name] = new Array(n).fill(-1); // NaN logits name no class
      continue;
    }
    const { x, y } = deviceBatch(run.ds, split, range(0, n));
    y.dispose();
    const { logits, state } = net.fns.net.apply(tree.ref(net.params), tree.ref(net.state), x, { train: false });
    tree.dispose(state);
    const v = (await logits.data()) as Float32Array;
    preds[net.name] = Array.from({ length: n }, (_, r) => {
      let best = 0;
      for (let c = 1; c < 10; c++) if (v[r * 10 + c] > v[r * 10 + best]) best = c;
      return best;
    });
  }
  return picked.map((_, r) => ({
    pixels: images.subarray(r * D, (r + 1) * D),
    label: split.labels[r],
    predicted: Object.fromEntries(Object.entries(preds).map(([k, p]) => [k, p[r]])),
  }));
}
