/**
 * The hostile-input table of scripts/hostile-inputs.ts: the fixtures the cases start from (a
 * trained run, a phases sweep and a compare output, built once into OUT/fixtures) and one Case
 * per bad input, by verb, each with the setup that plants its damaged files in the case's folder.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const BIN = join(ROOT, "bin/ninr.js");
const SAMPLE = join(ROOT, "data/sample");

export type Fx = { run: string; phases: string; compare: string };
/** One bad input: `warn` = clean when it exits 0 with one "warning:" line (a report skipping a damaged run). */
export type Case = { verb: string; what: string; args: string[]; setup?: (cwd: string) => void; warn?: boolean };

// ---------- fixtures (built once into OUT/fixtures, reused by later runs) ----------

function ninrSync(args: string[], cwd: string): void {
  execFileSync(process.execPath, [BIN, ...args], { cwd, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NINR_THREADS: "0" } });
}
export function fixtures(out: string): Fx {
  const dir = join(out, "fixtures");
  mkdirSync(dir, { recursive: true });
  const fx = { run: join(dir, "run"), phases: join(dir, "phases"), compare: join(dir, "compare") };
  if (!existsSync(join(fx.run, "summary.json")))
    ninrSync(["train", "--data", SAMPLE, "--widths", "784,16,10", "--nin", "input", "--train-size", "300", "--holdout", "100", "--no-curvature", "--quiet", "--out", fx.run], out);
  if (!existsSync(join(fx.phases, "phases.json"))) ninrSync(["phases", "--preset", "smoke", "--data", SAMPLE, "--sigmas", "1", "--lrs", "0.05", "--workers", "1", "--json", "--out", fx.phases], out);
  if (!existsSync(join(fx.compare, "compare.json"))) ninrSync(["compare", "--preset", "smoke", "--data", SAMPLE, "--workers", "2", "--out", fx.compare], out);
  return fx;
}

// ---------- helpers for setups ----------

const w = (cwd: string, p: string, text: string | Uint8Array) => {
  mkdirSync(join(cwd, p, ".."), { recursive: true });
  writeFileSync(join(cwd, p), text);
};
const fifo = (cwd: string, p: string) => {
  mkdirSync(join(cwd, p, ".."), { recursive: true });
  execFileSync("mkfifo", [join(cwd, p)]);
};
const copy = (from: string, cwd: string, to: string) => cpSync(from, join(cwd, to), { recursive: true });
/** A safetensors file with this header (JSON text) and `data` bytes of zeros. */
function safetensors(header: string, data = 64): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}
/** The fixture run's safetensors header, edited. */
function editedParams(fx: Fx, edit: (h: Record<string, Record<string, unknown>>) => void, textEdit: (t: string) => string = (t) => t): Uint8Array {
  const b = readFileSync(join(fx.run, "params.safetensors"));
  const hlen = Number(b.readBigUInt64LE(0));
  const h = JSON.parse(b.subarray(8, 8 + hlen).toString("utf8"));
  edit(h);
  const data = b.subarray(8 + hlen);
  const hb = Buffer.from(textEdit(JSON.stringify(h)));
  const out = Buffer.alloc(8 + hb.length + data.length);
  out.writeBigUInt64LE(BigInt(hb.length), 0);
  hb.copy(out, 8);
  data.copy(out, 8 + hb.length);
  return out;
}
/** The first weight matrix (a 2-D tensor: reversing a bias's shape would change nothing). */
const firstTensor = (h: Record<string, Record<string, unknown>>) => Object.keys(h).find((k) => k !== "__metadata__" && (h[k].shape as number[]).length === 2)!;
const FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
/** A data folder: the sample's four files with one replaced by `make`. */
const dataWith = (cwd: string, file: string, make: (cwd: string, p: string) => void) => {
  mkdirSync(join(cwd, "d"), { recursive: true });
  for (const f of FILES) if (f !== file) cpSync(join(SAMPLE, f), join(cwd, "d", f));
  make(cwd, join("d", file));
};

// ---------- the table ----------

export function cases(fx: Fx): Case[] {
  const c: Case[] = [];
  const D = ["--data", SAMPLE];
  const TINY = [...D, "--widths", "784,8,10", "--train-size", "200", "--holdout", "50", "--no-curvature", "--quiet"];
  const quick: Record<string, string[]> = {
    train: ["train", ...TINY],
    demo: ["demo", ...D, "--epochs", "1", "--sigma", "1", "--quiet"],
    phases: ["phases", "--preset", "smoke", ...D, "--sigmas", "1", "--lrs", "0.05", "--workers", "1"],
    compare: ["compare", "--preset", "smoke", ...D, "--workers", "1"],
    toy: ["toy", "--k-min", "0.5", "--k-max", "1", "--k-step", "0.5", "--seeds", "1", "--steps", "20", "--width", "4", "--batch", "8"],
  };
  // Bad --out targets, on every verb that writes a folder.
  const outs: [string, string, ((cwd: string) => void)?][] = [
    ["empty --out", ""],
    ["blank --out", "   "],
    ["--out an existing file", "f", (cwd) => w(cwd, "f", "x")],
    ["--out under a file", "f/sub", (cwd) => w(cwd, "f", "x")],
    ["--out /dev/null", "/dev/null"],
    ["--out unwritable (/proc)", "/proc/ninr-out"],
    ["--out a FIFO", "p", (cwd) => fifo(cwd, "p")],
    ["--out a link to a file", "l", (cwd) => (w(cwd, "f", "x"), symlinkSync(join(cwd, "f"), join(cwd, "l")))],
    ["--out a dangling link under a file", "l/x", (cwd) => (w(cwd, "f", "x"), symlinkSync(join(cwd, "f"), join(cwd, "l")))],
  ];
  for (const [verb, base] of Object.entries(quick)) for (const [what, out, setup] of outs) c.push({ verb, what, args: [...base, "--out", out], setup });

  // Hostile --config files (train).
  const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
  const configs: [string, string | ((cwd: string) => void)][] = [
    ["config null", "null"],
    ["config 42", "42"],
    ["config a string", '"lr"'],
    ["config a list", "[1,2]"],
    ["config empty file", ""],
    ["config invalid JSON", '{"lr": 0.1,'],
    ["config binary garbage", "\u0000\u0001\u00ff{"],
    ["config __proto__", '{"__proto__": {"lr": 5}}'],
    ["config constructor", '{"constructor": 1}'],
    ["config toString", '{"toString": 1}'],
    ["config lr null", '{"lr": null}'],
    ["config unknown key", '{"learning_rate": 0.1}'],
    ["config deeply nested", `{"widths": ${deep(200000)}}`],
    ["config lr a string", '{"lr": "0.1"}'],
    ["config lr 1e300", '{"lr": 1e300}'],
    ["config epochs 1e300", '{"epochs": 1e300}'],
    ["config epochs 1.5", '{"epochs": 1.5}'],
    ["config a 100M-unit layer", '{"widths": [784, 100000000, 10]}'],
    ["config 64 layers of 65536", `{"widths": [784, ${Array(62).fill(65536).join(",")}, 10]}`],
    ["config thousands of layers", `{"widths": [784, ${Array(5000).fill(8).join(",")}, 10]}`],
    ["config sigma 1e300", '{"sigma": 1e300}'],
    ["config batch 0", '{"batch": 0}'],
    ["config seed -1", '{"seed": -1}'],
    ["config nin bad site", '{"nin": "nin99"}'],
    ["config nin garbage", '{"nin": "in put"}'],
    ["config model unknown", '{"model": "resnet"}'],
    ["config dropout 1", '{"dropout": 1}'],
    ["config momentum 1", '{"momentum": 1}'],
    ["config lr 0", '{"lr": 0}'],
    ["config trainSize too large for the data", '{"trainSize": 1000000}'],
    ["config widths input mismatch", '{"widths": [100, 10]}'],
    ["config widths classes mismatch", '{"widths": [784, 8, 3]}'],
    ["config a FIFO", (cwd) => fifo(cwd, "c.json")],
    ["config a folder", (cwd) => mkdirSync(join(cwd, "c.json"))],
    ["config 3 MB", `{"x": "${"a".repeat(3e6)}"}`],
    ["config missing", () => {}],
  ];
  for (const [what, body] of configs)
    c.push({ verb: "train", what, args: ["train", ...D, "--no-curvature", "--quiet", "--config", "c.json", "--out", "o"], setup: typeof body === "string" ? (cwd) => w(cwd, "c.json", body) : body });

  // Values that pass a flag parser but might break later (train).
  const trainFlags: [string, string[]][] = [
    ["--epochs 1e300", ["--epochs", "1e300"]],
    ["--epochs 100001", ["--epochs", "100001"]],
    ["--widths with a 100M layer", ["--widths", "784,100000000,10"]],
    ["--widths 5000 layers", ["--widths", `784,${Array(5000).fill(8).join(",")},10`]],
    ["--widths wide and deep (memory)", ["--widths", `784,${Array(40).fill(65536).join(",")},10`]],
    ["--sigma 1e300", ["--sigma", "1e300"]],
    ["--sigma 0x10", ["--sigma", "0x10"]],
    ["--sigma -1", ["--sigma", "-1"]],
    ["--lr Infinity", ["--lr", "Infinity"]],
    ["--lr NaN", ["--lr", "NaN"]],
    ["--lr 1e-400", ["--lr", "1e-400"]],
    ["--lr empty", ["--lr", ""]],
    ["--batch 0", ["--batch", "0"]],
    ["--batch 1e9", ["--batch", "1e9"]],
    ["--batch larger than the data", ["--batch", "5000"]],
    ["--train-size larger than the data", ["--train-size", "999999"]],
    ["--nin a missing site", ["--nin", "nin7"]],
    ["--nin garbage", ["--nin", "a b"]],
    ["--model unknown", ["--model", "resnet"]],
    ["--step-log-every 0", ["--step-log-every", "0"]],
    ["--diverge-loss 0", ["--diverge-loss", "0"]],
    ["--seed 2^31", ["--seed", "2147483648"]],
    ["--seed 1.5", ["--seed", "1.5"]],
    ["--theta-scale 0", ["--theta-scale", "0"]],
    ["--dropout 1", ["--dropout", "1"]],
    ["--momentum 1", ["--momentum", "1"]],
    ["--l2 -1", ["--l2", "-1"]],
    ["--cdt -1", ["--cdt", "-1"]],
    ["--init unknown", ["--init", "zeros"]],
    ["--noise unknown", ["--noise", "cauchy"]],
  ];
  for (const [what, extra] of trainFlags) c.push({ verb: "train", what, args: ["train", ...TINY, ...extra, "--out", "o"] });

  // Data paths (train --data).
  const TD = ["train", "--widths", "784,8,10", "--train-size", "200", "--holdout", "50", "--no-curvature", "--quiet", "--out", "o"];
  const dataCases: [string, (cwd: string) => void][] = [
    ["data file a FIFO", (cwd) => dataWith(cwd, "train-images-idx3-ubyte.gz", fifo)],
    ["data file a folder", (cwd) => dataWith(cwd, "train-labels-idx1-ubyte.gz", (cw, p) => mkdirSync(join(cw, p)))],
    ["data file truncated gzip", (cwd) => dataWith(cwd, "train-images-idx3-ubyte.gz", (cw, p) => w(cw, p, readFileSync(join(SAMPLE, "train-images-idx3-ubyte.gz")).subarray(0, 500)))],
    ["data file not gzip", (cwd) => dataWith(cwd, "t10k-images-idx3-ubyte.gz", (cw, p) => w(cw, p, "hello"))],
    ["data file a gzip bomb", (cwd) => dataWith(cwd, "train-images-idx3-ubyte.gz", (cw, p) => {
      const m = gzipSync(new Uint8Array(2 ** 20));
      w(cw, p, Buffer.concat(Array(300).fill(m)));
    })],
    ["data labels/images count mismatch", (cwd) => dataWith(cwd, "train-labels-idx1-ubyte.gz", (cw, p) => cpSync(join(SAMPLE, "t10k-labels-idx1-ubyte.gz"), join(cw, p)))],
    ["data images and labels swapped", (cwd) => dataWith(cwd, "train-images-idx3-ubyte.gz", (cw, p) => cpSync(join(SAMPLE, "train-labels-idx1-ubyte.gz"), join(cw, p)))],
    ["data empty split", (cwd) => dataWith(cwd, "t10k-images-idx3-ubyte.gz", (cw, p) => {
      w(cw, p, gzipSync(Buffer.from([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28])));
      w(cw, "d/t10k-labels-idx1-ubyte.gz", gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 0])));
    })],
    ["data a link to /dev/zero", (cwd) => dataWith(cwd, "train-images-idx3-ubyte.gz", (cw, p) => symlinkSync("/dev/zero", join(cw, p)))],
    ["data folder missing", () => {}],
    ["data folder is a file", (cwd) => w(cwd, "d", "x")],
  ];
  for (const [what, setup] of dataCases) c.push({ verb: "train", what, args: [...TD, "--data", "d"], setup });

  // evaluate on damaged run folders.
  const EV = ["evaluate", "--run", "r", ...D, "--quiet"];
  const runCase = (what: string, damage: (cwd: string) => void, args = EV) => c.push({ verb: "evaluate", what, args, setup: (cwd) => (copy(fx.run, cwd, "r"), damage(cwd)) });
  runCase("run config.json null", (cwd) => w(cwd, "r/config.json", "null"));
  runCase("run config.json broken", (cwd) => w(cwd, "r/config.json", '{"model": "mlp",'));
  runCase("run config.json empty", (cwd) => w(cwd, "r/config.json", ""));
  runCase("run config.json missing", (cwd) => rmSync(join(cwd, "r/config.json")));
  runCase("run config.json a FIFO", (cwd) => (rmSync(join(cwd, "r/config.json")), fifo(cwd, "r/config.json")));
  runCase("run config.json another network", (cwd) => w(cwd, "r/config.json", JSON.stringify({ ...JSON.parse(readFileSync(join(fx.run, "config.json"), "utf8")), widths: [784, 32, 10] })));
  runCase("run config.json deep", (cwd) => w(cwd, "r/config.json", `{"widths": ${deep(100000)}}`));
  runCase("params missing", (cwd) => rmSync(join(cwd, "r/params.safetensors")));
  runCase("params a FIFO", (cwd) => (rmSync(join(cwd, "r/params.safetensors")), fifo(cwd, "r/params.safetensors")));
  runCase("params a folder", (cwd) => (rmSync(join(cwd, "r/params.safetensors")), mkdirSync(join(cwd, "r/params.safetensors"))));
  runCase("params empty", (cwd) => w(cwd, "r/params.safetensors", ""));
  runCase("params truncated", (cwd) => w(cwd, "r/params.safetensors", readFileSync(join(fx.run, "params.safetensors")).subarray(0, 200)));
  runCase("params header null", (cwd) => w(cwd, "r/params.safetensors", safetensors("null")));
  runCase("params header length huge", (cwd) => {
    const b = Buffer.from(readFileSync(join(fx.run, "params.safetensors")));
    b.writeBigUInt64LE(2n ** 62n, 0);
    w(cwd, "r/params.safetensors", b);
  });
  const hdr: [string, (h: Record<string, Record<string, unknown>>) => void][] = [
    ["offsets missing", (h) => delete h[firstTensor(h)].data_offsets],
    ["offsets reversed", (h) => (h[firstTensor(h)].data_offsets = [...(h[firstTensor(h)].data_offsets as number[])].reverse())],
    ["offsets short", (h) => (h[firstTensor(h)].data_offsets = [0, 4])],
    ["offsets unaligned", (h) => (h[firstTensor(h)].data_offsets = (h[firstTensor(h)].data_offsets as number[]).map((o) => o + 1))],
    ["offsets negative", (h) => (h[firstTensor(h)].data_offsets = [-4, 0])],
    ["offsets overlapping", (h) => {
      const ks = Object.keys(h).filter((k) => k !== "__metadata__");
      h[ks[1]].data_offsets = h[ks[0]].data_offsets;
      h[ks[1]].shape = h[ks[0]].shape;
    }],
    ["offsets past the end", (h) => (h[firstTensor(h)].data_offsets = [1e12, 1e12 + 4 * (h[firstTensor(h)].shape as number[]).reduce((a, b) => a * b, 1)])],
    ["shape a string", (h) => (h[firstTensor(h)].shape = "784")],
    ["shape wrong", (h) => (h[firstTensor(h)].shape = [...(h[firstTensor(h)].shape as number[])].reverse())],
    ["dtype F64", (h) => (h[firstTensor(h)].dtype = "F64")],
    ["a tensor missing", (h) => delete h[firstTensor(h)]],
    ["an extra tensor", (h) => (h.extra = { dtype: "F32", shape: [0], data_offsets: [0, 0] })],
    ["a __proto__ tensor", () => {}],
    ["metadata not strings", (h) => (h.__metadata__ = { dense_layout: 1 } as never)],
    ["unknown dense_layout", (h) => (h.__metadata__ = { dense_layout: "in_out" } as never)],
  ];
  for (const [what, edit] of hdr) runCase(`params ${what}`, (cwd) => w(cwd, "r/params.safetensors", what === "a __proto__ tensor" ? editedParams(fx, () => {}, (t) => t.replace('{"', '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"')) : editedParams(fx, edit)));
  c.push({ verb: "evaluate", what: "--run missing", args: ["evaluate", "--run", "nope", ...D] });
  c.push({ verb: "evaluate", what: "--run a file", args: ["evaluate", "--run", "f", ...D], setup: (cwd) => w(cwd, "f", "x") });
  c.push({ verb: "evaluate", what: "--run an empty folder", args: ["evaluate", "--run", "e", ...D], setup: (cwd) => mkdirSync(join(cwd, "e")) });
  c.push({ verb: "evaluate", what: "--run unwritable (/proc)", args: ["evaluate", "--run", "/proc/self", ...D] });
  runCase("--baseline missing", () => {}, [...EV, "--baseline", "nope"]);
  runCase("--baseline damaged", (cwd) => (copy(fx.run, cwd, "b"), w(cwd, "b/config.json", "{")), [...EV, "--baseline", "b"]);
  runCase("--adv-eps -1", () => {}, [...EV, "--adversarial", "--adv-eps", "-1"]);
  runCase("--adv-eps abc", () => {}, [...EV, "--adversarial", "--adv-eps", "abc"]);
  runCase("--pgd-steps 0", () => {}, [...EV, "--adversarial", "--pgd-steps", "0"]);
  runCase("--pgd-steps 1e9", () => {}, [...EV, "--adversarial", "--pgd-steps", "1000000000"]);
  runCase("--adv-size 0", () => {}, [...EV, "--adversarial", "--adv-size", "0"]);
  runCase("--device unknown", () => {}, [...EV, "--device", "tpu"]);

  // phases and compare: values and sweep files.
  const P = quick.phases;
  const phasesFlags: [string, string[]][] = [
    ["--seeds 1e9", ["--seeds", "1000000000"]],
    ["--seeds 0", ["--seeds", "0"]],
    ["--sigmas 0", ["--sigmas", "0"]],
    ["--sigmas abc", ["--sigmas", "abc"]],
    ["--sigmas empty", ["--sigmas", ""]],
    ["--sigmas 1e300", ["--sigmas", "1e300"]],
    ["--sigmas 20000 entries", ["--sigmas", Array.from({ length: 20000 }, (_, i) => i + 1).join(",")]],
    ["--lrs 0", ["--lrs", "0"]],
    ["--lrs 1e300", ["--lrs", "1e300"]],
    ["--workers 0", ["--workers", "0"]],
    ["--workers 1e6", ["--workers", "1000000"]],
    ["--preset unknown", ["--preset", "huge"]],
    ["--models unknown", ["--models", "resnet"]],
    ["--inits unknown", ["--inits", "zeros"]],
  ];
  for (const [what, extra] of phasesFlags) c.push({ verb: "phases", what, args: [...P, ...extra, "--out", "o"] });
  c.push({ verb: "phases", what: "sweep.lock of a live sweep", args: [...P, "--out", "o"], setup: (cwd) => w(cwd, "o/sweep.lock", JSON.stringify({ pid: 1, started: "now" })) });
  c.push({ verb: "phases", what: "phases-config.json a folder", args: [...P, "--out", "o"], setup: (cwd) => mkdirSync(join(cwd, "o/phases-config.json"), { recursive: true }) });
  c.push({ verb: "phases", what: "runs/ a file", args: [...P, "--out", "o"], setup: (cwd) => w(cwd, "o/runs", "x") });
  const C = quick.compare;
  const compareFlags: [string, string[]][] = [
    ["--seeds 1e9", ["--seeds", "1000000000"]],
    ["--seeds 0", ["--seeds", "0"]],
    ["--epochs 0", ["--epochs", "0"]],
    ["--epochs 1e300", ["--epochs", "1e300"]],
    ["--inits unknown", ["--inits", "zeros"]],
    ["--models unknown", ["--models", "resnet"]],
    ["--workers 0", ["--workers", "0"]],
    ["--preset unknown", ["--preset", "huge"]],
  ];
  for (const [what, extra] of compareFlags) c.push({ verb: "compare", what, args: [...C, ...extra, "--out", "o"] });
  c.push({ verb: "compare", what: "sweep.lock of a live sweep", args: [...C, "--out", "o"], setup: (cwd) => w(cwd, "o/sweep.lock", JSON.stringify({ pid: 1, started: "now" })) });
  c.push({ verb: "compare", what: "sigmas.json a FIFO", args: [...C, "--out", "o"], setup: (cwd) => fifo(cwd, "o/sigmas.json") });
  c.push({ verb: "compare", what: "sigmas.json a folder", args: [...C, "--out", "o"], setup: (cwd) => mkdirSync(join(cwd, "o/sigmas.json"), { recursive: true }) });
  c.push({ verb: "compare", what: "compare-config.json a folder", args: [...C, "--out", "o"], setup: (cwd) => mkdirSync(join(cwd, "o/compare-config.json"), { recursive: true }) });

  // report on damaged sweep folders.
  const rep = (what: string, from: string | null, damage: (cwd: string) => void, warn = false) =>
    c.push({ verb: "report", what, args: ["report", "s"], warn, setup: (cwd) => (from ? copy(from, cwd, "s") : mkdirSync(join(cwd, "s")), damage(cwd)) });
  const aRun = (dir: string) => readdirSync(join(dir, "runs"))[0];
  c.push({ verb: "report", what: "folder missing", args: ["report", "nope"] });
  c.push({ verb: "report", what: "a file", args: ["report", "f"], setup: (cwd) => w(cwd, "f", "x") });
  rep("no runs/", null, () => {});
  rep("runs/ but no config", null, (cwd) => mkdirSync(join(cwd, "s/runs")));
  rep("runs/ a file", fx.phases, (cwd) => (rmSync(join(cwd, "s/runs"), { recursive: true }), w(cwd, "s/runs", "x")));
  for (const [name, body] of [["null", "null"], ["broken", "{"], ["empty", ""], ["a list", "[]"], ["deep", `{"command": ${deep(100000)}}`]] as const) {
    // A deep "command" is a title, not data: the report is rebuilt with a warning.
    rep(`compare-config.json ${name}`, fx.compare, (cwd) => w(cwd, "s/compare-config.json", body), name === "deep");
    rep(`phases-config.json ${name}`, fx.phases, (cwd) => w(cwd, "s/phases-config.json", body), name === "deep");
  }
  rep("compare-config.json a FIFO", fx.compare, (cwd) => (rmSync(join(cwd, "s/compare-config.json")), fifo(cwd, "s/compare-config.json")));
  rep("phases summary.json corrupt", fx.phases, (cwd) => w(cwd, `s/runs/${aRun(fx.phases)}/summary.json`, '{"phase": '), true);
  rep("phases summary.json wrong types", fx.phases, (cwd) => w(cwd, `s/runs/${aRun(fx.phases)}/summary.json`, '{"phase": {"model": 5, "sigma": "x"}}'), true);
  rep("compare summary.json corrupt", fx.compare, (cwd) => w(cwd, `s/runs/${aRun(fx.compare)}/summary.json`, ""), true);
  rep("compare summary.json wrong types", fx.compare, (cwd) => w(cwd, `s/runs/${aRun(fx.compare)}/summary.json`, '{"method": "vanilla", "model": "mlp", "seed": 0, "clean_test_acc": 0.5, "robustness": {"per_corruption": 3}}'), true);
  rep("a summary.json a FIFO", fx.compare, (cwd) => (rmSync(join(cwd, `s/runs/${aRun(fx.compare)}/summary.json`)), fifo(cwd, `s/runs/${aRun(fx.compare)}/summary.json`)), true);

  // toy, bench, demo values.
  const T = quick.toy;
  const toyFlags: [string, string[]][] = [
    ["--k-min 0", ["--k-min", "0"]],
    ["--k-min -1", ["--k-min", "-1"]],
    ["--k-max below --k-min", ["--k-min", "3", "--k-max", "1"]],
    ["--k-step 0", ["--k-step", "0"]],
    ["--k-step 1e-12 (a huge grid)", ["--k-step", "1e-12"]],
    ["--seeds 0", ["--seeds", "0"]],
    ["--seeds 1e9", ["--seeds", "1000000000"]],
    ["--steps 0", ["--steps", "0"]],
    ["--steps 1e12", ["--steps", "1000000000000"]],
    ["--width 0", ["--width", "0"]],
    ["--width 1e9", ["--width", "1000000000"]],
    ["--batch 0", ["--batch", "0"]],
    ["--batch 1e12", ["--batch", "1000000000000"]],
    ["--lr 0", ["--lr", "0"]],
    ["--momentum 1", ["--momentum", "1"]],
    ["--sampler unknown", ["--sampler", "exact"]],
    ["--k-max 1e300", ["--k-max", "1e300"]],
  ];
  for (const [what, extra] of toyFlags) c.push({ verb: "toy", what, args: [...T, ...extra, "--json"] });
  const benchFlags: [string, string[]][] = [
    ["--rounds 0", ["--rounds", "0"]],
    ["--rounds 1e12", ["--rounds", "1000000000000"]],
    ["--threads 0", ["--threads", "0"]],
    ["--cores 0", ["--cores", "0"]],
    ["--only unknown", ["--only", "nope"]],
    ["--only empty", ["--only", ""]],
  ];
  for (const [what, extra] of benchFlags) c.push({ verb: "bench", what, args: ["bench", ...extra, "--json"] });
  const demoFlags: [string, string[]][] = [
    ["--sigma -1", ["--sigma", "-1"]],
    ["--sigma abc", ["--sigma", "abc"]],
    ["--sigma 1e300", ["--sigma", "1e300"]],
    ["--epochs 0", ["--epochs", "0"]],
    ["--epochs 1e300", ["--epochs", "1e300"]],
    ["--lr 0", ["--lr", "0"]],
    ["--seed -1", ["--seed", "-1"]],
    ["--device unknown", ["--device", "tpu"]],
    ["--data missing", ["--data", "nope"]],
  ];
  for (const [what, extra] of demoFlags) c.push({ verb: "demo", what, args: ["demo", ...D, "--quiet", ...extra, "--out", "o"] });
  return c;
}
