/**
 * The playground's live run (web/src/liveRun.ts), DOM-free in Node: it is `train()` unrolled —
 * the same seed gives the same first-epoch step metrics and epoch record as the toolkit's loop
 * (the oracle) — a link's seed reproduces the run exactly, the export is metrics.jsonl, and
 * device memory stays flat across runs (no leaked arrays).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
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

const { LiveRun, runConfig } = await import("../../web/src/liveRun.ts");
const { sampleDataset } = await import("../../web/src/sample.ts");
const { presetBase } = await import("../../web/src/presets.ts");
const { DEFAULT_SETTINGS } = await import("../../web/src/state.ts");
const { train, disposeResult } = await import("../../src/train/loop.ts");
const { prepareData } = await import("../../src/train/prepare.ts");

const dir = fileURLToPath(new URL("../../data/sample/", import.meta.url));
const rd = (f: string) => readFileSync(dir + f);
const ds = await sampleDataset({ trainImages: rd("train-images-idx3-ubyte.gz"), trainLabels: rd("train-labels-idx1-ubyte.gz"), testImages: rd("t10k-images-idx3-ubyte.gz"), testLabels: rd("t10k-labels-idx1-ubyte.gz") });

async function runFor(settings: typeof DEFAULT_SETTINGS, steps: number) {
  const run = LiveRun.create(settings, ds);
  await run.start();
  while (run.stepsDone < steps && !run.done) await run.step();
  return run;
}

describe("playground live run", () => {
  const settings = { ...presetBase(DEFAULT_SETTINGS, "decay"), sigma: 3, steps: 20, seed: 3 };

  it("matches train() step for step on the same config and seed", async () => {
    const run = await runFor(settings, 20);
    const cfg = { ...runConfig(settings), epochs: Math.ceil(settings.steps / run.stepsPerEpoch) };
    const ref = await train(cfg, ds, prepareData(ds, cfg));
    const refSteps = ref.metrics.filter((m) => m.kind === "step");
    const mine = run.metrics.filter((m) => m.kind === "step").slice(0, refSteps.length);
    expect(refSteps.length).toBe(run.stepsPerEpoch);
    expect(mine).toEqual(refSteps);
    const refEpoch = ref.metrics.find((m) => m.kind === "epoch")!;
    const myEpoch = run.metrics.find((m) => m.kind === "epoch")!;
    expect({ ...myEpoch, seconds: 0 }).toEqual({ ...refEpoch, seconds: 0 });
    disposeResult(ref);
    run.dispose();
  });

  it("the same settings reproduce the run exactly, and the export is metrics.jsonl", async () => {
    const a = await runFor(settings, 20);
    const b = await runFor(settings, 20);
    const strip = (t: string) => t.replace(/"seconds":[0-9.e+-]+/g, '"seconds":0');
    expect(strip(a.metricsJsonl())).toBe(strip(b.metricsJsonl()));
    expect(a.kTrace).toEqual(b.kTrace);
    const lines = a.metricsJsonl().trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.filter((m) => m.kind === "step")).toHaveLength(20);
    expect(lines.filter((m) => m.kind === "epoch").length).toBeGreaterThanOrEqual(1);
    for (const m of lines.filter((x) => x.kind === "step")) expect(Object.keys(m).sort()).toEqual(["acc", "coupling", "epoch", "kind", "loss", "niw_norm", "step"]);
    // The vanilla twin trains on the same batches and has no NINs.
    expect(a.vanilla).not.toBeNull();
    expect(JSON.parse(a.metricsJsonl(true).split("\n")[0]).niw_norm).toEqual([]);
    a.dispose();
    b.dispose();
  });

  it("device memory stays flat over repeated runs (no leaked arrays)", async () => {
    expect(memories.length).toBeGreaterThan(0);
    const bytes = () => memories.reduce((s, m) => s + m.buffer.byteLength, 0);
    (await runFor(settings, 20)).dispose(); // warm up: compile, allocator at working size
    const before = bytes();
    for (let i = 0; i < 2; i++) (await runFor({ ...settings, seed: 10 + i }, 20)).dispose();
    expect(bytes() - before).toBeLessThan(4 * 1024 * 1024);
  });
});
