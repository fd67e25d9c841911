/**
 * jax-js's WebGPU backend in Node (src/node/device.ts) against its Wasm backend: the jitted
 * training step, the exact HVP and the curvature estimate give the same numbers within float32
 * tolerance on a tiny MLP and a tiny CNN, and the CLI records the device it ran on.
 *
 * Without a GPU the adapter is SwiftShader's Vulkan driver from Debian's chromium package
 * (`.ci/run` installs it): these tests point VK_ICD_FILENAMES at it and skip, saying why, when it
 * or the Vulkan loader is missing. SwiftShader is slow (about 1.5 GFLOP/s, and every kernel is
 * compiled on first use), so the nets and batches are tiny. The no-adapter exit runs everywhere.
 *
 * Noise: jax-js's random.normal (Box-Muller: log1p, sqrt, cos) differs between the backends by
 * up to ~2e-4 relative in the tails (WGSL's transcendentals are less accurate; the raw bits and
 * uniforms are identical), and such a difference can move a ReLU or max-pool decision near a
 * tie. So the HVP and curvature tests feed both devices the same noise, drawn on Wasm; the
 * training steps draw their own (as in a run) and are compared on their parameter updates.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Device, defaultDevice, nn, numpy as np, random, tree } from "@jax-js/jax";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunConfig, resolveConfig } from "../../src/config.ts";
import { syntheticDataset } from "../../src/data/synthetic.ts";
import { curvatureModelFor, drawNoise, measureCurvature } from "../../src/dynamics/curvature.ts";
import { makeHvpFns, noisyLoss } from "../../src/dynamics/hvp.ts";
import type { ModelState, Params } from "../../src/models/model.ts";
import { buildNetwork } from "../../src/models/network.ts";
import { makeJob } from "../../src/experiments/jobs.ts";
import { SWIFTSHADER_ICD, jobOnDevice, setupDevice, vulkanProblem } from "../../src/node/device.ts";
import { makeStepFns } from "../../src/train/step.ts";
import { ninrEnv } from "../helpers/cli.ts";

// The loader reads VK_ICD_FILENAMES when Dawn creates its Vulkan instance (at the first adapter
// request), so setting it here reaches both this process and the CLI children.
process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
// SwiftShader's window-system code complains on stderr without one; nothing here draws.
process.env.XDG_RUNTIME_DIR ??= tmpdir();
const skipReason = vulkanProblem();
if (skipReason) console.warn(`test/node/webgpu.test.ts: WebGPU tests skipped: ${skipReason} (Debian: apt-get install chromium libvulkan1)`);

const ds = syntheticDataset({ nTrain: 96, nTest: 32 }); // 8x8x2 images, 3 classes
const B = 16;

type Host = Record<string, { shape: number[]; data: Float32Array }>;

async function toHost(t: Record<string, np.Array>): Promise<Host> {
  const out: Host = {};
  for (const [k, v] of Object.entries(t)) out[k] = { shape: v.shape, data: new Float32Array((await v.data()) as Float32Array) };
  return out;
}

/** Upload a host tree to `device` (float32). */
const fromHost = (h: Host, device: Device): Params => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, np.array(v.data, { device }).reshape(v.shape)]));

/** Largest |a - b| relative to the largest |b| of each leaf (`minus`: of a - minus and b - minus), over all leaves. */
function maxRelDiff(a: Host, b: Host, minus?: Host): number {
  let worst = 0;
  for (const k of Object.keys(b)) {
    let scale = 1e-12;
    let d = 0;
    for (let i = 0; i < b[k].data.length; i++) {
      const m = minus ? minus[k].data[i] : 0;
      scale = Math.max(scale, Math.abs(b[k].data[i] - m));
      d = Math.max(d, Math.abs(a[k].data[i] - b[k].data[i]));
    }
    worst = Math.max(worst, d / scale);
  }
  return worst;
}

/**
 * Parameter updates after three steps, relative to the largest update of each leaf. The steps
 * draw their own noise (see the module comment), which moves a few max-pool and ReLU decisions
 * of the CNN; measured worst leaf (2026-12-02, SwiftShader): MLP 1.7e-4, CNN 1.1e-2 (its first
 * conv's kernel). Losses agreed to 2e-6, HVPs (same noise) to 1.9e-4, eigenvalues to 3e-4.
 */
const UPDATE_TOL: Record<string, number> = { MLP: 2e-3, CNN: 5e-2 };

/**
 * What the curvature tests measure: all three on the MLP; on the CNN lambda_noise, the one k is
 * made of (its exact Hessian product is the HVP test's; compiling the CNN's HVP programs again
 * for lambda_max and lambda_niw cost minutes on SwiftShader on a loaded machine).
 */
const WHICH: Record<string, { noise: boolean; hessian: boolean; niw: boolean }> = { MLP: { noise: true, hessian: true, niw: true }, CNN: { noise: true, hessian: false, niw: false } };

/** SwiftShader compiles every kernel on first use: minutes for the CNN when the 2 cores are shared (vitest's default here is 300 s). */
const SLOW = 900_000;

const CONFIGS: [string, RunConfig][] = [
  ["MLP", resolveConfig({ dataset: "synthetic", model: "mlp", widths: [128, 24, 16, 3], nin: "all", sigma: 0.5, lr: 0.1, momentum: 0.9, dropout: 0.1 })],
  ["CNN", resolveConfig({ dataset: "synthetic", model: "cnn", nin: "input", sigma: 0.5, lr: 0.05 })],
];

/** The first B images of the training split, on the default device. */
function batchOn(): { x: np.Array; y: np.Array } {
  const D = ds.inputShape.reduce((a, b) => a * b, 1);
  const x = np.array(ds.train.images.slice(0, B * D)).reshape([B, ...ds.inputShape]);
  const y = nn.oneHot(np.array(Int32Array.from(ds.train.labels.slice(0, B))), ds.classes).astype(np.float32);
  return { x, y };
}

describe.skipIf(skipReason !== null)("WebGPU (SwiftShader) against Wasm", () => {
  beforeAll(async () => {
    const c = await setupDevice("webgpu");
    expect(c.device).toBe("webgpu");
    defaultDevice("wasm");
  });
  afterAll(() => defaultDevice("wasm"));

  for (const [name, cfg] of CONFIGS) {
    /** Initial parameters and a batch's NIN noise, made once on Wasm and uploaded to each device (the same numbers). */
    let init: { params: Host; state: Host; eps: Host };
    beforeAll(async () => {
      defaultDevice("wasm");
      const net = buildNetwork(cfg, ds);
      const { params, state } = net.init(random.key(cfg.seed));
      const eps = drawNoise(curvatureModelFor(cfg, ds), random.key(3), B);
      init = { params: await toHost(params), state: await toHost(state), eps: await toHost(Object.fromEntries(eps.map((e, i) => [String(i), e]))) };
    });

    /** Three jitted training steps (NIN noise, dropout and momentum included) on `device`: losses and final parameters. */
    async function steps(device: Device): Promise<{ losses: number[]; params: Host }> {
      defaultDevice(device);
      const fns = makeStepFns(cfg, ds);
      let params = fromHost(init.params, device);
      let state: ModelState = fromHost(init.state, device);
      let opt = fns.init(params);
      const { x, y } = batchOn();
      const keys = random.split(random.key(7), 3);
      const losses: number[] = [];
      for (let s = 0; s < 3; s++) {
        const [p, st, o, loss, correct] = fns.trainStep(params, state, opt, x.ref, y.ref, keys.ref.slice(s));
        [params, state, opt] = [p, st, o];
        correct.dispose();
        losses.push((await loss.data())[0]);
      }
      x.dispose();
      y.dispose();
      keys.dispose();
      const out = await toHost(params);
      tree.dispose([state, opt]);
      fns.dispose();
      defaultDevice("wasm");
      return { losses, params: out };
    }

    it(`${name}: three training steps give the same losses and parameter updates`, { timeout: SLOW }, async () => {
      const wasm = await steps("wasm");
      const gpu = await steps("webgpu");
      for (let s = 0; s < 3; s++) expect(Math.abs(gpu.losses[s] - wasm.losses[s])).toBeLessThan(1e-4 * Math.max(1, Math.abs(wasm.losses[s])));
      expect(wasm.losses[2]).not.toBe(wasm.losses[0]); // the steps did train
      expect(maxRelDiff(gpu.params, wasm.params, init.params)).toBeLessThan(UPDATE_TOL[name]);
    });

    it(`${name}: the exact HVP agrees`, { timeout: SLOW }, async () => {
      const hv = async (device: Device): Promise<Host> => {
        defaultDevice(device);
        const model = curvatureModelFor(cfg, ds);
        const fns = makeHvpFns(noisyLoss(model));
        const params = fromHost(init.params, device);
        const { x, y } = batchOn();
        const eps = Object.keys(init.eps).map((i) => fromHost({ e: init.eps[i] }, device).e);
        const v = tree.map((p: np.Array) => np.sin(p.mul(37)), tree.ref(params)) as Params; // a fixed, dense direction
        const out = await toHost(fns.hvp(params, { x, y, eps, state: fromHost(init.state, device) }, v) as Params);
        fns.dispose();
        defaultDevice("wasm");
        return out;
      };
      const wasm = await hv("wasm");
      const gpu = await hv("webgpu");
      expect(Object.keys(gpu).sort()).toEqual(Object.keys(wasm).sort());
      expect(maxRelDiff(gpu, wasm)).toBeLessThan(1e-3);
    });

    it(`${name}: the curvature estimate agrees (${Object.entries(WHICH[name]).filter(([, on]) => on).map(([k]) => `lambda_${k === "hessian" ? "max" : k}`).join(", ")})`, { timeout: SLOW }, async () => {
      const measure = async (device: Device) => {
        defaultDevice(device);
        const params = fromHost(init.params, device);
        const state = fromHost(init.state, device);
        // Its noise is drawn on each device; measured relative differences: MLP <= 4e-5, CNN 2.9e-4.
        const r = await measureCurvature(cfg, ds, params, state, ds.train, { batches: 1, batchSize: B, iters: 6, timeGradient: false, which: WHICH[name] });
        tree.dispose([params, state]);
        defaultDevice("wasm");
        return r;
      };
      const wasm = await measure("wasm");
      const gpu = await measure("webgpu");
      for (const k of ["lambda_noise", "lambda_max", "lambda_niw"] as const) {
        if ((k === "lambda_max" && !WHICH[name].hessian) || (k === "lambda_niw" && !WHICH[name].niw)) continue;
        expect(wasm[k]).toBeGreaterThan(0);
        expect(Math.abs(gpu[k]! - wasm[k]!)).toBeLessThan(2e-3 * wasm[k]!);
      }
    });
  }

  it("ninr train --device webgpu records device webgpu in config.json and summary.json", { timeout: SLOW }, async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-webgpu-"));
    try {
      const r = await ninrEnv({}, "train", "--device", "webgpu", "--dataset", "synthetic", "--widths", "128,16,3", "--train-size", "64", "--holdout", "0", "--batch", "32", "--quiet", "--out", out);
      expect(r.stderr).toContain("device: webgpu on");
      expect(r.status).toBe(0);
      expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).device).toBe("webgpu");
      expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).device).toBe("webgpu");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("ninr train --device auto passes over the SwiftShader CPU adapter and runs on wasm", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-auto-"));
    try {
      const r = await ninrEnv({}, "train", "--device", "auto", "--dataset", "synthetic", "--widths", "128,8,3", "--holdout", "0", "--quiet", "--out", out);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/device: auto -> wasm \(the only WebGPU adapter is a CPU one/);
      expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).device).toBe("wasm");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("device selection errors (no GPU needed)", () => {
  it("--device webgpu with no adapter exits 2 with one line saying why and what to install", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "ninr-noadapter-")), "run");
    const r = await ninrEnv({ VK_ICD_FILENAMES: "/nonexistent/icd.json" }, "train", "--device", "webgpu", "--dataset", "synthetic", "--widths", "128,8,3", "--out", out);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ninr: --device webgpu: no WebGPU adapter: .*(VK_ICD_FILENAMES=\/nonexistent\/icd.json names no existing|libvulkan.so.1 is not installed).*; install /);
    expect(() => readFileSync(join(out, "config.json"))).toThrow(); // nothing written
  });

  it("a sweep worker runs a job on the sweep's device (NINR_DEVICE) and records it in the job's config, whose hash leaves it out", async () => {
    const job = makeJob("train", { config: { dataset: "synthetic", widths: [128, 8, 3] } });
    const saved = process.env.NINR_DEVICE;
    try {
      process.env.NINR_DEVICE = "wasm";
      const filled = await jobOnDevice(job);
      expect(filled.hash).toBe(job.hash);
      expect((filled.spec as { config: Record<string, unknown> }).config.device).toBe("wasm");
      const own = makeJob("train", { config: { dataset: "synthetic", device: "wasm" } });
      process.env.NINR_DEVICE = "gpu";
      expect(await jobOnDevice(own)).toBe(own); // its own device wins; NINR_DEVICE is not read
      await expect(jobOnDevice(job)).rejects.toThrow(/^NINR_DEVICE must be one of wasm\|webgpu\|auto, got "gpu"$/);
    } finally {
      if (saved === undefined) delete process.env.NINR_DEVICE;
      else process.env.NINR_DEVICE = saved;
    }
  });

  it("a bad NINR_DEVICE exits 2 naming it", async () => {
    const r = await ninrEnv({ NINR_DEVICE: "gpu" }, "train", "--dataset", "synthetic", "--widths", "128,8,3", "--out", join(tmpdir(), "ninr-never-written"));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`ninr: NINR_DEVICE must be one of wasm|webgpu|auto, got "gpu"`);
  });
});
