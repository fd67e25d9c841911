/**
 * The training loop on the bundled sample: it learns, it is reproducible, divergence is a
 * result, and device memory stays flat (no leaked arrays) over 200 steps.
 */
import { describe, expect, it } from "vitest";

// Record jax-js's Wasm memory before the library loads, to watch it for leaks.
const memories: WebAssembly.Memory[] = [];
const RealMemory = WebAssembly.Memory;
(WebAssembly as { Memory: unknown }).Memory = class extends RealMemory {
  constructor(desc: WebAssembly.MemoryDescriptor) {
    super(desc);
    memories.push(this);
  }
};

const { resolveConfig } = await import("../../src/config.ts");
const { loadBundledSample } = await import("../../src/node/data/fashionFiles.ts");
const { train, disposeResult } = await import("../../src/train/loop.ts");
const { prepareData } = await import("../../src/train/prepare.ts");
const { tree } = await import("@jax-js/jax");

const sample = loadBundledSample();

describe("training loop", () => {
  it("an in-NINR MLP beats chance clearly on the sample", async () => {
    const cfg = resolveConfig({ widths: [784, 64, 10], nin: "input", sigma: 1, lr: 0.05, batch: 32, epochs: 3, stepLogEvery: 5 });
    const r = await train(cfg, sample, prepareData(sample, cfg));
    expect(r.diverged).toBe(false);
    expect(r.test.acc).toBeGreaterThan(0.5); // chance is 0.1
    expect(r.niwNorm).toHaveLength(1);
    expect(r.coupling[0]).toBeGreaterThan(0);
    const steps = r.metrics.filter((m) => m.kind === "step");
    expect(steps.length).toBe(Math.ceil(Math.floor(900 / 32) / 5));
    disposeResult(r);
  });

  it("same config and seed give identical metrics; another seed differs", async () => {
    const cfg = resolveConfig({ widths: [784, 32, 10], nin: "all", sigma: 2, dropout: 0.2, cdt: 0.1, lr: 0.05, batch: 50, epochs: 2, trainSize: 400, seed: 3 });
    const run = async (seed: number) => {
      const c = { ...cfg, seed };
      const r = await train(c, sample, prepareData(sample, c));
      disposeResult(r);
      return r.metrics.map((m) => ({ ...m, seconds: 0 }));
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it("a diverging run is a result, not a crash", async () => {
    const cfg = resolveConfig({ widths: [784, 32, 10], nin: "input", sigma: 1e4, lr: 1, batch: 50, epochs: 2, trainSize: 500 });
    const r = await train(cfg, sample, prepareData(sample, cfg));
    expect(r.diverged).toBe(true);
    expect(r.divergedStep).not.toBeNull();
    expect(r.steps).toBeLessThan(20);
    disposeResult(r);
  });

  it("device memory stays flat over 200 training steps (no leaked arrays)", async () => {
    expect(memories.length).toBeGreaterThan(0);
    const bytes = () => memories.reduce((s, m) => s + m.buffer.byteLength, 0);
    const cfg = resolveConfig({ widths: [784, 128, 10], nin: "all", sigma: 1, lr: 0.01, batch: 40, trainSize: 800, holdout: 0, epochs: 1 });
    // Warm up: compile and let the allocator reach its working size.
    disposeResult(await train({ ...cfg, epochs: 2 }, sample, prepareData(sample, cfg)));
    const before = bytes();
    // 10 epochs x 20 steps = 200 steps; a leak of one parameter tree per step would add ~80 MB.
    const r = await train({ ...cfg, epochs: 10 }, sample, prepareData(sample, cfg));
    expect(r.steps).toBe(200);
    tree.dispose(r.params);
    tree.dispose(r.state);
    r.fns.dispose();
    const grown = bytes() - before;
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });
});
