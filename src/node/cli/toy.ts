/**
 * `ninr toy`: the linear toy model of docs/method.md §3 — sweep eta*lambda0 over a grid, classify
 * every run (decay / catapult / divergent, plus unresolved / decoupled), and report the
 * measured catapult onset (theory: 2) and divergence ceiling (theory: 4).
 *
 *   ninr toy                       table on stdout
 *   ninr toy --json                only the JSON result on stdout
 *   ninr toy --out DIR             also DIR/toy.json, DIR/config.json, DIR/toy_outcomes.{svg,png,vl.json}
 */
import { type Command, Option } from "commander";
import { join } from "node:path";
import { NinrError } from "../../errors.ts";
import { writeJsonAtomic } from "../atomic.ts";
import { prepareOutDir } from "../runFolder.ts";
import {
  K_CATAPULT,
  K_DIVERGE,
  TOY_DEFAULTS,
  TOY_OUTCOMES,
  type ToyOutcome,
  type ToySampler,
} from "../../dynamics/toy.ts";
import { type ToySweepResult, sweepToy, toyGrid } from "../../dynamics/toySweep.ts";
import { toyOutcomeChart } from "../../report/toyChart.ts";
import { num, oneOf } from "./flags.ts";

interface ToyFlags {
  kMin: number;
  kMax: number;
  kStep: number;
  seeds: number;
  steps: number;
  width: number;
  batch: number;
  lr: number;
  momentum: number;
  sampler: ToySampler;
  json?: boolean;
  out?: string;
}

export function registerToy(program: Command): void {
  program
    .command("toy")
    .description("linear toy model (spec section 3): sweep eta*lambda0, classify phases, measure the boundaries at 2 and 4")
    .addOption(new Option("--k-min <k>", "smallest eta*lambda0 (> 0)").argParser(num("--k-min", { min: 0, minExclusive: true })).default(0.2))
    .addOption(new Option("--k-max <k>", "largest eta*lambda0").argParser(num("--k-max", { min: 0, minExclusive: true })).default(5.0))
    .addOption(new Option("--k-step <dk>", "grid step in eta*lambda0 (> 0)").argParser(num("--k-step", { min: 0, minExclusive: true })).default(0.1))
    .addOption(new Option("--seeds <n>", "seeds per grid point (seeds 0..n-1)").argParser(num("--seeds", { min: 1, max: 1000, integer: true })).default(3))
    .addOption(new Option("--steps <n>", "SGD steps per run").argParser(num("--steps", { min: 1, max: 1e7, integer: true })).default(TOY_DEFAULTS.steps))
    .addOption(new Option("--width <n>", "hidden width n").argParser(num("--width", { min: 1, max: 1e6, integer: true })).default(TOY_DEFAULTS.width))
    .addOption(new Option("--batch <n>", "batch size").argParser(num("--batch", { min: 1, max: 1e7, integer: true })).default(TOY_DEFAULTS.batch))
    .addOption(new Option("--lr <eta>", "SGD learning rate (> 0)").argParser(num("--lr", { min: 0, minExclusive: true })).default(TOY_DEFAULTS.lr))
    .addOption(new Option("--momentum <beta>", "heavy-ball momentum in [0, 1) (0 = plain SGD; the edge moves to k = 2 (1 + beta))").argParser(num("--momentum", { min: 0, max: 0.999 })).default(TOY_DEFAULTS.momentum))
    .addOption(
      new Option("--sampler <how>", "batch draw: moments (exact batch statistics, fast) | batch (explicit samples)")
        .argParser(oneOf("--sampler", ["moments", "batch"] as const))
        .default(TOY_DEFAULTS.sampler),
    )
    .addOption(new Option("--json", "print only the JSON result on stdout"))
    .addOption(new Option("--out <dir>", "write toy.json, config.json and the toy_outcomes plot here"))
    .action(async (opts: ToyFlags) => {
      await runToy(opts);
    });
}

async function runToy(opts: ToyFlags): Promise<void> {
  if (opts.kMax < opts.kMin) throw new NinrError(`--k-max (${opts.kMax}) must be >= --k-min (${opts.kMin})`);
  const k0s = toyGrid(opts.kMin, opts.kMax, opts.kStep);
  const runs = k0s.length * opts.seeds;
  const work = runs * opts.steps * (opts.sampler === "batch" ? opts.batch : 1) * Math.max(1, opts.width / 100);
  if (work > 5e9) throw new NinrError(`toy: ${runs} runs of ${opts.steps} steps is too much work; use fewer points, seeds or steps`);
  if (opts.out !== undefined) prepareOutDir(opts.out); // before the sweep: a bad --out is an error now, not after it

  const t0 = performance.now();
  const result = sweepToy({
    k0s,
    seeds: opts.seeds,
    steps: opts.steps,
    width: opts.width,
    batch: opts.batch,
    lr: opts.lr,
    momentum: opts.momentum,
    sampler: opts.sampler,
  });
  const seconds = (performance.now() - t0) / 1000;

  if (opts.out !== undefined) {
    writeJsonAtomic(join(opts.out, "toy.json"), result);
    writeJsonAtomic(join(opts.out, "config.json"), { verb: "toy", ...result.config });
    const { writeChart } = await import("../report/render.ts");
    await writeChart(toyOutcomeChart(result), join(opts.out, "toy_outcomes"));
  }

  if (opts.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + "\n");
    return;
  }
  process.stdout.write(formatToyTable(result, seconds));
  if (opts.out) process.stdout.write(`wrote ${join(opts.out, "toy.json")}, config.json, toy_outcomes.{svg,png,vl.json}\n`);
}

const SHORT: Record<ToyOutcome, string> = { decoupled: "dcpl", decay: "decay", catapult: "cat", unresolved: "unres", divergent: "div" };

function f(x: number | null, digits = 3): string {
  return x === null ? "-" : x.toFixed(digits);
}

/** The human-readable table: one row per k0, then the two boundaries. */
export function formatToyTable(r: ToySweepResult, seconds?: number): string {
  const c = r.config;
  const lines: string[] = [];
  lines.push(
    `linear toy model: width ${c.width}, batch ${c.batch}, lr ${c.lr}, ${c.steps} steps, ${c.seeds.length} seed(s), sampler ${c.sampler}`,
  );
  const kData = r.points.flatMap((p) => p.runs.map((x) => x.k_data0));
  const kDataMax = Math.max(...kData);
  if (kDataMax >= K_CATAPULT)
    lines.push(`note: eta*lambda_data at init reaches ${kDataMax.toFixed(2)} (>= 2): the data mode itself is unstable; lower --lr or --width`);
  const head = ["k0", ...TOY_OUTCOMES.map((o) => SHORT[o]), "majority", "final eta*lam", "peak |v.th|"];
  const rows = r.points.map((p) => [
    p.k0.toFixed(2),
    ...TOY_OUTCOMES.map((o) => String(p.counts[o])),
    p.majority ?? "mixed",
    f(p.final_k_median),
    f(p.peak_coupling_median),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((s, i) => s.padStart(widths[i])).join("  ");
  lines.push(fmt(head));
  for (const row of rows) lines.push(fmt(row));
  lines.push("(final eta*lam and peak |v.th|: medians over the seeds that did not diverge)");
  lines.push(`catapult onset  eta*lambda0 = ${f(r.catapult_onset_k, 2)}   (theory ${K_CATAPULT})`);
  lines.push(`divergence      eta*lambda0 = ${f(r.divergence_k, 2)}   (theory ${K_DIVERGE})`);
  if (seconds !== undefined) lines.push(`sweep took ${seconds.toFixed(2)} s`);
  return lines.join("\n") + "\n";
}
