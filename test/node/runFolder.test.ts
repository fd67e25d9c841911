/**
 * Run folders (src/node/runFolder.ts). loadRun: parameters read back from a run folder are
 * checked against the config's network, and files from before dense weights were stored
 * [n_out, n_in] still load (transposed). A summary.json that is not a JSON object does not
 * mark a run done.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { random, tree } from "@jax-js/jax";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config.ts";
import { DENSE_LAYOUT, type HostTensor, encodeSafetensors } from "../../src/io/safetensors.ts";
import { buildNetwork } from "../../src/models/network.ts";
import { paramsToHost } from "../../src/experiments/record.ts";
import { RUN_FILES, disposeRun, isDone, loadRun, readHoldoutCurve, readSummary, writeRunRecord } from "../../src/node/runFolder.ts";

const cfg = resolveConfig({ widths: [784, 8, 6, 10], nin: "input", sigma: 1 });
const FASHION = { inputShape: [28, 28, 1], classes: 10, range: [0, 1] as [number, number] };

function folder(tensors: Record<string, HostTensor>, metadata: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ninr-load-"));
  writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
  writeFileSync(join(dir, "params.safetensors"), encodeSafetensors(tensors, metadata));
  return dir;
}

const transpose = (t: HostTensor): HostTensor => {
  const [a, b] = t.shape;
  const data = new Float32Array(a * b);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) data[j * a + i] = t.data[i * b + j];
  return { shape: [b, a], data };
};

async function initialHost(): Promise<Record<string, HostTensor>> {
  const { params, state } = buildNetwork(cfg, FASHION).init(random.key(1));
  const host = await paramsToHost(params);
  tree.dispose(params);
  tree.dispose(state);
  return host;
}

describe("loadRun", () => {
  it("loads current files as saved, and older [n_in, n_out] files transposed to the same parameters", async () => {
    const host = await initialHost();
    expect(host["layer0.weight"].shape).toEqual([8, 784]);
    const old = Object.fromEntries(Object.entries(host).map(([k, t]) => [k, k.endsWith(".weight") ? transpose(t) : t]));
    for (const dir of [folder(host, { format: "ninr", dense_layout: DENSE_LAYOUT }), folder(old, { format: "ninr" })]) {
      const run = loadRun(dir, FASHION);
      for (const [k, t] of Object.entries(host)) {
        expect(run.params[k].shape, k).toEqual(t.shape);
        expect(Array.from((await run.params[k].ref.data()) as Float32Array), k).toEqual(Array.from(t.data));
      }
      expect(Object.keys(run.state)).toEqual([]); // the MLP is stateless
      disposeRun(run);
    }
  });

  it("names a parameter whose shape does not fit the config, and missing ones", async () => {
    const host = await initialHost();
    const bad = { ...host, "layer1.weight": { shape: [6, 9], data: new Float32Array(54) } };
    expect(() => loadRun(folder(bad, { dense_layout: DENSE_LAYOUT }), FASHION)).toThrow(/'layer1.weight' has shape \[6,9\], the config's network needs \[6,8\]/);
    const { ["nin0.theta"]: _, ...noTheta } = host;
    expect(() => loadRun(folder(noTheta, { dense_layout: DENSE_LAYOUT }), FASHION)).toThrow(/missing parameters nin0.theta/);
    expect(() => loadRun(folder(host, { dense_layout: "diagonal" }), FASHION)).toThrow(/unknown dense_layout 'diagonal'/);
  });
});

describe("run records and done-ness", () => {
  it("writeRunRecord writes every file; the summary marks the run done", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ninr-rec-")), "run");
    expect(isDone(dir)).toBe(false);
    writeRunRecord(dir, { config: { a: 1 }, metrics: [], files: { "extra.json": { b: 2 } }, summary: { ok: true } });
    expect(isDone(dir)).toBe(true);
    expect(readSummary(dir)).toEqual({ ok: true });
  });

  it("an empty, corrupt or non-object summary.json is not done", () => {
    for (const text of ["", "{\"clean_test_acc\": 0.8", "null", "[1, 2]", "42"]) {
      const dir = mkdtempSync(join(tmpdir(), "ninr-sum-"));
      writeFileSync(join(dir, RUN_FILES.summary), text);
      expect(readSummary(dir), JSON.stringify(text)).toBeNull();
      expect(isDone(dir), JSON.stringify(text)).toBe(false);
    }
  });
});

describe("holdout curve", () => {
  const epoch = (e: number, acc: unknown) => JSON.stringify({ kind: "epoch", epoch: e, step: 10 * (e + 1), holdout_acc: acc });
  const write = (lines: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), "ninr-curve-"));
    writeFileSync(join(dir, RUN_FILES.metrics), lines.join("\n") + "\n");
    return dir;
  };
  it("reads the epoch records' holdout accuracy in epoch order, skipping step records and damaged lines", () => {
    const step = JSON.stringify({ kind: "step", step: 0, epoch: 0, loss: 2 });
    expect(readHoldoutCurve(write([step, epoch(1, 0.8), "{\"kind\":\"epoch\", \"epo", epoch(0, 0.7), epoch(2, 0.85)]))).toEqual([0.7, 0.8, 0.85]);
  });
  it("keeps the contiguous start when an epoch is missing or not a number, and is null without one", () => {
    expect(readHoldoutCurve(write([epoch(0, 0.7), epoch(1, "0.8"), epoch(2, 0.85)]))).toEqual([0.7]);
    expect(readHoldoutCurve(write([epoch(1, 0.8)]))).toBeNull();
    expect(readHoldoutCurve(write([epoch(0, null)]))).toBeNull();
    expect(readHoldoutCurve(mkdtempSync(join(tmpdir(), "ninr-curve-")))).toBeNull();
  });
});
