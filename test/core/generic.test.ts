/**
 * The generic paths on a dataset and a model the toolkit does not ship: 8x8x2 synthetic images,
 * 3 classes, and a small residual net with BatchNorm (model state) and a stride-2 convolution,
 * registered from this file. Training with in-NINR and full-NINR, evaluation, the NIW probe,
 * lambda_noise and the phase prediction all run with no change to the training loop, the
 * curvature code or the experiments.
 */
import { describe, expect, it } from "vitest";
import { numpy as np, random, nn, tree } from "@jax-js/jax";
import { resolveConfig } from "../../src/config.ts";
import { syntheticDataset } from "../../src/data/synthetic.ts";
import { registerDataset } from "../../src/data/registry.ts";
import { conv2dSame, subsample2 } from "../../src/engine/conv.ts";
import { splitN } from "../../src/engine/keys.ts";
import type { Model, ModelEntry, Params } from "../../src/models/model.ts";
import { batchNorm } from "../../src/models/layers.ts";
import { registerModel } from "../../src/models/registry.ts";
import { runTrainJob } from "../../src/experiments/trainJob.ts";
import { runPhaseJob } from "../../src/experiments/phaseRun.ts";
import type { JobEnv } from "../../src/experiments/record.ts";
import { measureCurvature } from "../../src/dynamics/curvature.ts";
import { predictPhase } from "../../src/dynamics/predict.ts";
import { disposeResult, initialParams } from "../../src/train/loop.ts";

const DATA = syntheticDataset({ shape: [8, 8, 2], classes: 3, nTrain: 256, nTest: 96, seed: 3 });
registerDataset({ name: "synthetic-8x8x2", description: "test data", load: () => ({ ...DATA, name: "synthetic-8x8x2" }) });

/** stem conv3x3(2->4)+BN+relu; residual block (conv+BN+relu, conv+BN, + skip, relu); stride-2 conv(4->8)+relu; global mean; dense(8->C). */
function tinyResNet(inputShape: number[], classes: number): Model {
  const [H, W, C] = inputShape;
  const convs = { stem: [C, 4], b1: [4, 4], b2: [4, 4], down: [4, 8] } as const;
  const bns = { stem: 4, b1: 4, b2: 4 } as const;
  const sites = [
    { name: "nin_in", kind: "conv" as const, shape: [H, W, C], fanIn: 9 * C, role: "input" as const },
    { name: "nin_block", kind: "conv" as const, shape: [H, W, 4], fanIn: 36, role: "hidden" as const },
    { name: "nin_head", kind: "fc" as const, shape: [classes], fanIn: 8, role: "logit" as const, weight: "head.weight" },
  ];
  return {
    name: "tinyres",
    inputShape,
    classes,
    sites,
    init(key) {
      const keys = splitN(key, 5);
      const params: Params = {};
      Object.entries(convs).forEach(([n, [ci, co]], i) => {
        params[`${n}.weight`] = random.normal(keys[i], [3, 3, ci, co]).mul(Math.sqrt(2 / (9 * ci)));
      });
      for (const [n, c] of Object.entries(bns)) {
        params[`${n}.gamma`] = np.ones([c]);
        params[`${n}.beta`] = np.zeros([c]);
      }
      params["head.weight"] = random.normal(keys[4], [classes, 8]).mul(Math.sqrt(1 / 8));
      params["head.bias"] = np.zeros([classes]);
      const state: Params = {};
      for (const [n, c] of Object.entries(bns)) {
        state[`${n}.mean`] = np.zeros([c]);
        state[`${n}.var`] = np.ones([c]);
      }
      return { params, state };
    },
    apply(p, s, x, ctx) {
      const B = x.shape[0];
      const ns: Params = {};
      const bn = (h: np.Array, n: string) => {
        const r = batchNorm(h, { gamma: p[`${n}.gamma`], beta: p[`${n}.beta`] }, { mean: s[`${n}.mean`], variance: s[`${n}.var`] }, ctx.train);
        ns[`${n}.mean`] = r.mean;
        ns[`${n}.var`] = r.variance;
        return r.y;
      };
      let h = ctx.inject("nin_in", x.reshape([B, H, W, C]));
      h = nn.relu(bn(conv2dSame(h, p["stem.weight"]), "stem"));
      h = ctx.inject("nin_block", h);
      const r = nn.relu(bn(conv2dSame(h.ref, p["b1.weight"]), "b1"));
      h = nn.relu(bn(conv2dSame(r, p["b2.weight"]), "b2").add(h));
      h = nn.relu(subsample2(conv2dSame(h, p["down.weight"])));
      const pooled = h.mean([1, 2]); // [B, 8]
      const z = ctx.inject("nin_head", np.dot(pooled, p["head.weight"].transpose()).add(p["head.bias"]));
      return { logits: z, state: ns };
    },
    shapes() {
      const params: Record<string, number[]> = {};
      for (const [n, [ci, co]] of Object.entries(convs)) params[`${n}.weight`] = [3, 3, ci, co];
      for (const [n, c] of Object.entries(bns)) {
        params[`${n}.gamma`] = [c];
        params[`${n}.beta`] = [c];
      }
      params["head.weight"] = [classes, 8];
      params["head.bias"] = [classes];
      const state: Record<string, number[]> = {};
      for (const [n, c] of Object.entries(bns)) {
        state[`${n}.mean`] = [c];
        state[`${n}.var`] = [c];
      }
      return { params, state };
    },
    isWeight: (n) => n.endsWith(".weight"),
  };
}

const ENTRY: ModelEntry = { name: "tinyres", description: "test residual net with BatchNorm", build: ({ inputShape, classes }) => tinyResNet(inputShape, classes) };
registerModel(ENTRY);

const env: JobEnv = { dataset: () => ({ ...DATA, name: "synthetic-8x8x2" }), runtime: { node: "test", wasm_threads: 0 } };
const base = { dataset: "synthetic-8x8x2", model: "tinyres", lr: 0.05, batch: 32, epochs: 2, holdout: 0, seed: 1 };

describe("a registered dataset and residual model with BatchNorm run through the generic paths", () => {
  it.each([
    ["input", ["nin_in"], [0]],
    ["all", ["nin_in", "nin_block", "nin_head"], [0, 1, 2]],
    ["nin_block,nin_head", ["nin_block", "nin_head"], [1, 2]],
  ])("nin=%s: trains, evaluates, probes, measures k and names the phase", async (nin, sites, indices) => {
    const { record, summary, result } = await runTrainJob({ config: { ...base, nin, sigma: 0.3 } }, env);
    try {
      expect(result.fns.net.sites.map((s) => s.name)).toEqual(sites);
      expect(summary.nin_layers).toEqual(indices);
      // Learned something: 3 balanced classes, chance is 1/3.
      expect(summary.clean_test_acc).toBeGreaterThan(0.6);
      expect(summary.diverged).toBe(false);
      // The NIW probe found every NIN: ||theta|| and ||J theta|| per site, finite and positive.
      expect(summary.niw_norm).toHaveLength(sites.length);
      for (const v of [...summary.niw_norm, ...summary.coupling]) expect(v).toBeGreaterThan(0);
      // BatchNorm running statistics moved away from their init (state threaded through the jitted step).
      const mean = (await result.state["stem.mean"].ref.data()) as Float32Array;
      expect(Math.max(...Array.from(mean, Math.abs))).toBeGreaterThan(1e-3);
      // Curvature and phase: k from lambda_noise, a predicted and an observed phase.
      expect(summary.k_init).toBeGreaterThan(0);
      expect(summary.predicted_phase).toBe(predictPhase({ k: summary.k_init!, steps: summary.steps }));
      // The observed phase reads the run's dynamics (docs/method.md §2.6) and may be "unresolved".
      expect(["decoupled", "decay", "catapult", "divergent", "unresolved"]).toContain(summary.observed_phase);
      // The record holds params and state for every declared shape.
      const names = Object.keys(record.params!.tensors).sort();
      expect(names).toContain("state/stem.mean");
      for (const s of sites) expect(names).toContain(`${s}.theta`);
    } finally {
      disposeResult(result);
    }
  });

  it("lambda_noise scales as sigma^2 at small sigma on the residual net (measured at eps = 0)", async () => {
    const cfg = resolveConfig({ ...base, nin: "all", sigma: 0.01 });
    const { params, state } = initialParams(cfg, DATA);
    const opts = { batches: 1, batchSize: 32, iters: 12, tol: 1e-6, at: "zero" as const, which: { noise: true, hessian: false, niw: false }, timeGradient: false };
    const a = await measureCurvature(cfg, DATA, params, state, DATA.train, opts);
    const b = await measureCurvature({ ...cfg, sigma: 0.02 }, DATA, params, state, DATA.train, opts);
    expect(b.lambda_noise! / a.lambda_noise!).toBeCloseTo(4, 3);
    tree.dispose(params);
    tree.dispose(state);
  });

  it("a phase job (E1) runs on it unchanged", async () => {
    const spec = {
      config: { ...base, nin: "input", sigma: 0.3, epochs: 1 },
      traceSteps: [0, 4, 8], // 256 images / batch 32 = 8 steps
      initCurvature: { batches: 1, batchSize: 32, iters: 5 },
      traceCurvature: { batchSize: 32, iters: 4 },
      testSubset: 64,
      ceiling: 12,
    };
    const r = await runPhaseJob(spec, env);
    const phase = r.summary.phase as Record<string, unknown>;
    expect(phase.k).toBeGreaterThan(0);
    expect(["decoupled", "decay", "catapult", "divergent", "unresolved"]).toContain(phase.observed_phase);
    const traceK = (r.files["trace.json"] as { k: number[] }).k;
    expect(traceK).toHaveLength(3);
    expect(traceK[0]).toBe(phase.k); // one k0 per run
  });
});
