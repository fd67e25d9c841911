/** `ninr train` end to end through the real launcher: files written, bad flags exit 2. */
import { describe, expect, it } from "vitest";
import { ninr, ninrEnv } from "../../helpers/cli.ts";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { decodeSafetensors } from "../../../src/io/safetensors.ts";


describe("ninr train", () => {
  it("writes config, metrics, summary and safetensors params", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-train-"));
    const r = await ninr("train", "--widths", "784,32,10", "--nin", "input", "--sigma", "2", "--lr", "0.05", "--epochs", "1", "--train-size", "600", "--batch", "50", "--data", "/nonexistent-so-use-sample", "--out", out);
    // --data names a folder without the files: that is an error, even with a sample available.
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/nonexistent-so-use-sample/);

    const ok = await ninr("train", "--widths", "784,32,10", "--nin", "input", "--sigma", "2", "--lr", "0.05", "--epochs", "1", "--train-size", "600", "--batch", "50", "--out", out, "--quiet");
    expect(ok.status, ok.stderr).toBe(0);
    const cfg = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(cfg).toMatchObject({ model: "mlp", nin: "input", sigma: 2, lr: 0.05, widths: [784, 32, 10], trainSize: 600 });
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.clean_test_acc).toBeGreaterThan(0.15); // 12 steps: above chance (0.1), no more
    expect(summary.clean_test_acc).toBeLessThanOrEqual(1);
    expect(summary.diverged).toBe(false);
    expect(summary.niw_norm).toHaveLength(1);
    // With NINs the summary names the phase from the measured k = eta * lambda_noise.
    expect(summary.k_init).toBeGreaterThan(0);
    expect(["decoupled", "decay", "catapult", "divergent"]).toContain(summary.predicted_phase);
    // The observed phase reads the run's dynamics (docs/method.md §2.6) and may be "unresolved".
    expect(["decoupled", "decay", "catapult", "divergent", "unresolved"]).toContain(summary.observed_phase);
    expect(typeof summary.near_chance).toBe("boolean");
    expect(typeof summary.seconds).toBe("number");
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    // With NINs the run opens with its k0 (the k(t) trace, kind "k"), then the step records.
    expect(lines[0]).toMatchObject({ kind: "k", step: 0, k: summary.k_init });
    expect(lines[1].kind).toBe("step");
    expect(lines.filter((l) => l.kind === "epoch").length).toBeGreaterThan(0);
    const { tensors } = decodeSafetensors(readFileSync(join(out, "params.safetensors")));
    expect(Object.keys(tensors).sort()).toEqual(["layer0.bias", "layer0.weight", "layer1.bias", "layer1.weight", "nin0.theta"]);
    expect(tensors["layer0.weight"].shape).toEqual([32, 784]); // [n_out, n_in], as PyTorch's nn.Linear

    // The launcher runs jax-js on one Wasm worker thread per core by default; NINR_THREADS=0
    // keeps it on the main thread, with bit-identical numbers.
    expect(summary.runtime.wasm_threads).toBe(availableParallelism() >= 2 ? availableParallelism() : 0);
    const single = join(out, "single");
    const r1 = await ninrEnv({ NINR_THREADS: "0" }, "train", "--config", join(out, "config.json"), "--out", single, "--quiet");
    expect(r1.status, r1.stderr).toBe(0);
    const s1 = JSON.parse(readFileSync(join(single, "summary.json"), "utf8"));
    expect(s1.runtime.wasm_threads).toBe(0);
    for (const k of ["clean_test_acc", "test_loss", "final_train_loss", "niw_norm", "coupling", "k_init"]) expect(s1[k], k).toEqual(summary[k]);

    // --config reads the same keys back; flags override it.
    const again = join(out, "again");
    const r2 = await ninr("train", "--config", join(out, "config.json"), "--sigma", "0.5", "--out", again, "--quiet", "--no-curvature");
    expect(r2.status, r2.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(again, "config.json"), "utf8"))).toMatchObject({ sigma: 0.5, trainSize: 600, nin: "input" });
  });

  it.each([
    [["--sigma", "-1"], /--sigma must be >= 0, got -1/],
    [["--model", "resnet"], /--model must be one of mlp\|cnn\|resnet18, got 'resnet'/],
    [["--lr", "fast"], /--lr must be a number in decimal notation \(e.g. 0.05, 1e-3\), got 'fast'/],
    [["--dropout", "1"], /--dropout must be < 1, got 1/],
    [["--epochs", "1.5"], /--epochs must be an integer/],
    [["--widths", "784,abc,10"], /--widths must be/],
    // nin takes a comma list of site names: an unknown one is rejected when the network is built.
    [["--nin", "some"], /nin: unknown NIN site some; this model's sites are nin0, /],
  ])("bad flag %j exits 2 with a one-line message", async (args, pattern) => {
    const r = await ninr("train", "--out", join(tmpdir(), "never-written"), ...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(tmpdir(), "never-written", "config.json"))).toBe(false);
  });

  it("a NaN in a --config file is a clear error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ninr-cfg-"));
    writeFileSync(join(dir, "run.json"), JSON.stringify({ sigma: "NaN" }));
    const r = await ninr("train", "--config", join(dir, "run.json"), "--out", join(dir, "o"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/config 'sigma' must be a finite number, got "NaN"/);
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ sigmaa: 1 }));
    expect((await ninr("train", "--config", join(dir, "bad.json"), "--out", join(dir, "o"))).stderr).toMatch(/unknown config key 'sigmaa'/);
  });
});
