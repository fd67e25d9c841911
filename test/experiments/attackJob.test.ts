/**
 * The attack job (src/experiments/attackJob.ts): evaluating a trained model's stored parameters,
 * as a job of its own, gives exactly what the attacks and the domain shifts give on the model
 * in memory (the oracle: evaluateAdversarial / evaluateDomainShift on the training result); the
 * stored tensors are checked against the config; an environment without the parameters is a
 * clear error; the comparison's attack jobs name their training jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { syntheticDataset } from "../../src/data/synthetic.ts";
import { evaluateAdversarial } from "../../src/experiments/adversarial.ts";
import { type AttackJobSpec, type AttackSummary, runAttackJob } from "../../src/experiments/attackJob.ts";
import { COMPARE_PRESETS, attackJobs } from "../../src/experiments/compare.ts";
import { evaluateDomainShift } from "../../src/experiments/domainShift.ts";
import { makeJob } from "../../src/experiments/jobs.ts";
import { type JobEnv, type RunRecord, paramsRecord } from "../../src/experiments/record.ts";
import { type TrainResult, disposeResult, train } from "../../src/train/loop.ts";
import { prepareData } from "../../src/train/prepare.ts";

const ds: Dataset = syntheticDataset({ shape: [8, 8, 1], classes: 4, nTrain: 256, nTest: 120, noise: 0.8, seed: 3 });
const config = { dataset: "synthetic", widths: [64, 16, 4], nin: "input" as const, sigma: 2, lr: 0.1, batch: 32, epochs: 4, holdout: 0, seed: 1 };
const cfg = resolveConfig(config);
const spec = (source: string): AttackJobSpec => ({
  source,
  method: "in-NINR decay",
  config,
  adversarial: { eps: [0.02, 0.1], attacks: ["fgsm", "pgd"], steps: 4, stepFactor: 2.5, testSubset: 100, seed: 0 },
  domainShift: { shifts: ["gamma_dark", "gamma_light"], testSubset: 0, seed: 0 },
});
const env = (params: (h: string) => NonNullable<RunRecord["params"]> | null): JobEnv => ({ dataset: () => ds, runtime: { node: "test", wasm_threads: 0 }, trainedParams: params });

describe("attack job", () => {
  let run: TrainResult;
  let stored: NonNullable<RunRecord["params"]>;
  beforeAll(async () => {
    run = await train(cfg, ds, prepareData(ds, cfg));
    stored = await paramsRecord(cfg, run.params, run.state);
  });
  afterAll(() => disposeResult(run));

  it("equals the attacks and domain shifts on the model in memory, from the stored parameters", async () => {
    const asked: string[] = [];
    const rec = await runAttackJob(spec("abc123"), env((h) => (asked.push(h), stored)));
    expect(asked).toEqual(["abc123"]);
    const s = rec.summary as AttackSummary;
    const direct = await evaluateAdversarial(run.fns.net, run.params, run.state, ds, { ...ds.test, n: 100, images: ds.test.images.subarray(0, 100 * 64), labels: ds.test.labels.subarray(0, 100) }, { eps: [0.02, 0.1], steps: 4, seed: 0 });
    expect(s.adversarial_n).toBe(100);
    expect(s.adversarial_clean_acc).toBe(direct.clean_acc);
    for (const r of direct.rows) expect(s.adversarial[r.attack][String(r.eps)], `${r.attack} ${r.eps}`).toBe(r.acc);
    const shifts = await evaluateDomainShift({ fns: run.fns, params: run.params, state: run.state }, ds, ds.test, { shifts: ["gamma_dark", "gamma_light"] });
    expect(s.domain_shift_n).toBe(ds.test.n);
    for (const r of shifts) expect(s.domain_shift[r.shift]).toBe(r.acc);
    expect(s).toMatchObject({ kind: "attack", source: "abc123", method: "in-NINR decay", seed: 1, init: cfg.init, model: cfg.model });
    // A trained model is not chance here, and the attack does break some of it.
    expect(s.adversarial_clean_acc).toBeGreaterThan(0.5);
    expect(s.adversarial.pgd["0.1"]).toBeLessThan(s.adversarial_clean_acc);
    // config.json stays a plain run config (any verb reads it); the attack settings are a file beside it.
    expect(() => resolveConfig(Object.fromEntries(Object.entries(rec.config).filter(([k]) => !k.startsWith("data_"))))).not.toThrow();
    expect(rec.files["attack.json"]).toEqual(spec("abc123"));
  }, 60_000);

  it("refuses parameters that do not fit the config, and says when there are none", async () => {
    const wrong = { ...stored, tensors: { ...stored.tensors } };
    const first = Object.keys(wrong.tensors).find((k) => wrong.tensors[k].shape.length === 2)!;
    wrong.tensors[first] = { shape: [3, 3], data: new Float32Array(9) };
    await expect(runAttackJob(spec("x"), env(() => wrong))).rejects.toThrow(/parameters of job x: '.*' has shape \[3,3\]/);
    await expect(runAttackJob(spec("gone"), env(() => null))).rejects.toThrow(/job gone has no stored parameters/);
    const bare: JobEnv = { dataset: () => ds, runtime: { node: "test", wasm_threads: 0 } };
    await expect(runAttackJob(spec("y"), bare)).rejects.toThrow(/needs the trained parameters of that job.*local executor/);
  });

  it("the comparison's attack jobs name their training jobs, one each, with the preset's settings", () => {
    const p = COMPARE_PRESETS.paper;
    const trained = [makeJob("compare", { method: "vanilla", config: { model: "mlp", seed: 0 }, testSubset: 0, gaussianModes: ["unclipped"], severities: [1] }), makeJob("compare", { method: "L2 0.001", config: { model: "mlp", seed: 1, l2: 1e-3 }, testSubset: 0, gaussianModes: ["unclipped"], severities: [1] })];
    const jobs = attackJobs(p, trained);
    expect(jobs.map((j) => j.spec.source)).toEqual(trained.map((j) => j.hash));
    expect(jobs.map((j) => j.spec.method)).toEqual(["vanilla", "L2 0.001"]);
    expect(jobs[1].spec.config).toEqual(trained[1].spec.config);
    expect(jobs[0].spec.adversarial).toMatchObject({ eps: [0.01, 0.02, 0.05, 0.1, 0.2], attacks: ["fgsm", "pgd"], steps: 10, testSubset: 2000 });
    expect(new Set(jobs.map((j) => j.hash)).size).toBe(2);
    // Deterministic: the same training jobs give the same attack jobs (a resumed sweep finds them).
    expect(attackJobs(p, trained).map((j) => j.hash)).toEqual(jobs.map((j) => j.hash));
  });
});
