/**
 * `ninr calo`: the synthetic calorimeter (docs/detector.md).
 *
 *   ninr calo generate --n N --domain nominal|shifted --seed S --out FILE [--noise-scale X --pileup-mu M --window CELLS --stream NAME]
 *       FILE: safetensors, images [n, H, W, 6] + labels [n] + the generator config in the metadata
 *   ninr calo inspect FILE [--out DIR]
 *       the shower shapes per class (table on stdout; DIR: shower_shapes.{md,csv,json} and one
 *       histogram plot per shape, default DIR = FILE without extension + "_inspect")
 *
 * Everything is checked before anything is written: bad flags, configs and files exit 2 with one line.
 */
import { type Command, Option } from "commander";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CALO_DOMAINS, type CaloDomain, caloConfig } from "../../data/calo/config.ts";
import { decodeCaloFile, encodeCaloFile } from "../../data/calo/file.ts";
import { generateCalo } from "../../data/calo/generate.ts";
import { cellsFromImage, makeGeometry } from "../../data/calo/geometry.ts";
import { showerShapes } from "../../data/calo/showerShapes.ts";
import { NinrError } from "../../errors.ts";
import { toCsv, toMarkdown } from "../../report/tables.ts";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { shapeTable, writeShapePlots } from "../report/detectorShapes.ts";
import { num, oneOf } from "./flags.ts";

type GenerateFlags = { n: number; domain: CaloDomain; seed: number; out: string; stream: string; noiseScale?: number; pileupMu?: number; window?: number };

const MAX_N = 200_000;

export function registerCalo(program: Command): void {
  const calo = program.command("calo").description("the synthetic calorimeter: generate prompt / fragmentation photon images, inspect their shower shapes");
  calo
    .command("generate")
    .description("write N synthetic-calorimeter images (balanced classes) to a safetensors file")
    .addOption(new Option("--n <n>", "number of images").argParser(num("--n", { min: 1, max: MAX_N, integer: true })).makeOptionMandatory())
    .addOption(new Option("--domain <d>", "detector conditions").argParser(oneOf("--domain", CALO_DOMAINS)).default("nominal"))
    .addOption(new Option("--seed <s>", "random seed").argParser(num("--seed", { min: 0, max: 2 ** 31 - 1, integer: true })).default(0))
    .addOption(new Option("--stream <name>", "event stream name (train, test, ...: independent events)").default("events"))
    .addOption(new Option("--noise-scale <x>", "multiply COCOA's per-cell noise sigmas (default: the domain's)").argParser(num("--noise-scale")))
    .addOption(new Option("--pileup-mu <mu>", "mean number of pile-up clusters (default: the domain's)").argParser(num("--pileup-mu")))
    .addOption(new Option("--window <cells>", "window side in ECAL-2 cells (multiple of 8)").argParser(num("--window", { integer: true })))
    .requiredOption("--out <file>", "output safetensors file")
    .action((opts: GenerateFlags) => runGenerate(opts));
  calo
    .command("inspect")
    .description("shower shapes (R_eta, R_phi, w_eta2, R_had) per class of a generated file: table and plots")
    .argument("<file>", "a file written by 'ninr calo generate'")
    .addOption(new Option("--out <dir>", "folder for the table and plots (default: FILE without extension + _inspect)"))
    .action(async (file: string, opts: { out?: string }) => runInspect(file, opts.out));
}

function runGenerate(o: GenerateFlags): void {
  const overrides: Record<string, number> = {};
  if (o.noiseScale !== undefined) overrides.noiseScale = o.noiseScale;
  if (o.pileupMu !== undefined) overrides.pileupMu = o.pileupMu;
  if (o.window !== undefined) overrides.windowCells = o.window;
  let cfg;
  try {
    cfg = caloConfig(o.domain, overrides);
  } catch (e) {
    // Name the flag the user typed, not only the config key.
    if (e instanceof NinrError) {
      const flag = { noiseScale: "--noise-scale", pileupMu: "--pileup-mu", windowCells: "--window" }[e.message.split(" ")[1]] ?? "";
      throw new NinrError(flag ? `${flag}: ${e.message}` : e.message);
    }
    throw e;
  }
  const t0 = performance.now();
  const s = generateCalo(cfg, { n: o.n, seed: o.seed, stream: o.stream });
  const seconds = (performance.now() - t0) / 1000;
  writeFileAtomic(o.out, encodeCaloFile({ config: cfg, images: s.images, labels: s.labels, n: o.n, seed: o.seed, stream: o.stream }));
  process.stdout.write(`synthetic calorimeter: wrote ${o.n} ${o.domain} images [${o.n}, ${cfg.windowCells}, ${cfg.windowCells}, 6] to ${o.out} (${(o.n / seconds).toFixed(0)} images/s)\n`);
}

async function runInspect(file: string, outDir?: string): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new NinrError(`cannot read ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  const f = decodeCaloFile(bytes, file);
  const g = makeGeometry(f.config.windowCells);
  const D = g.windowCells * g.windowCells * g.layers.length;
  const shapes = Array.from({ length: f.n }, (_, i) => showerShapes(g, cellsFromImage(g, f.images, i * D, 1 / f.config.energyUnit)));
  const rows = shapeTable(shapes, f.labels);
  const dir = outDir ?? file.replace(/\.[^./]*$/, "") + "_inspect";
  const md = toMarkdown(rows);
  const subtitle = `${f.n} candidates, ${f.config.domain} domain, seed ${f.seed}`;
  await writeShapePlots(dir, shapes, f.labels, subtitle);
  writeFileAtomic(join(dir, "shower_shapes.md"), `# Shower shapes (synthetic calorimeter)\n\n${subtitle}\n\n${md}`);
  writeFileAtomic(join(dir, "shower_shapes.csv"), toCsv(rows));
  writeJsonAtomic(join(dir, "shower_shapes.json"), { synthetic: true, file, generator: f.config, n: f.n, rows });
  process.stdout.write(`synthetic calorimeter: ${subtitle}\n${md}\nwrote ${dir}/shower_shapes.{md,csv,json} and shower_*.{svg,png}\n`);
}
