/**
 * Fuzz the JSON readers of run folders: summary.json (resume check, phase and compare report
 * loaders and the tables built from them), config.json (readRunConfig) and sigmas.json
 * (parseSigmaCache), starting from real files of a smoke sweep (fixtures/runFolders.json) and
 * mutating them: a field set to a hostile value or deleted, the text truncated or bytes flipped.
 * A reader either returns well-formed data (or skips the run), or throws a one-line NinrError;
 * never a TypeError or SyntaxError.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NinrError } from "../../src/errors.ts";
import { parseSigmaCache } from "../../src/experiments/compareSigmas.ts";
import { aggregateCompare, compareTable, loadCompareRuns, markHoldoutChoice, verdictTable } from "../../src/node/report/compareReport.ts";
import { loadPhaseRuns, summarizePhases } from "../../src/node/report/phasesReport.ts";
import { isDone, readRunConfig, readSummary } from "../../src/node/runFolder.ts";

const SEED = 20261202;
const FIX = JSON.parse(readFileSync(new URL("./fixtures/runFolders.json", import.meta.url), "utf8"));

const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, -1, 0, 1e308, "", "x", "0.5", true, [], {}, [1, 2], { "0": "a" }),
  fc.integer({ min: 1000, max: 20000 }).map((d) => `<deep ${d}>`),
);
const text = (v: unknown) => (JSON.stringify(v, null, 1) ?? "null").replace(/"<deep (\d+)>"/g, (_, d) => "[".repeat(Number(d)) + "]".repeat(Number(d)));

/** Paths to every value inside `v` (objects and arrays), the root included. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...at, Array.isArray(v) ? Number(k) : k], out);
  return out;
}

/** A value with some of its fields replaced by hostile values or deleted. */
const edits = fc.array(fc.tuple(fc.nat(), fc.oneof(hostile, fc.constant("<delete>"))), { minLength: 1, maxLength: 4 });
function applyEdits(v0: unknown, es: [number, unknown][]): unknown {
  let v = structuredClone(v0);
  for (const [pick, value] of es) {
    const ps = paths(v);
    const p = ps[pick % ps.length];
    if (p.length === 0) {
      v = value === "<delete>" ? undefined : value;
      continue;
    }
    let parent = v as Record<string | number, unknown>;
    for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    if (value === "<delete>") delete parent[p[p.length - 1]];
    else parent[p[p.length - 1]] = value;
  }
  return v;
}
/** Text-level damage: truncation or flipped bytes. */
const damage = fc.oneof(
  fc.constant((t: string) => t),
  fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))),
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 32, max: 126 })), { minLength: 1, maxLength: 4 }).map((fl) => (t: string) => {
    const c = [...t];
    for (const [i, ch] of fl) c[i % c.length] = String.fromCharCode(ch);
    return c.join("");
  }),
);

const root = mkdtempSync(join(tmpdir(), "ninr-fuzz-runs-"));
let n = 0;
/** A run folder holding these files (name -> text). */
function runFolder(files: Record<string, string>): string {
  const dir = join(root, String(n++));
  mkdirSync(dir);
  for (const [name, t] of Object.entries(files)) writeFileSync(join(dir, name), t);
  return dir;
}

function noBugs(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof NinrError)) throw new Error(`not a NinrError: ${String((e as Error)?.stack ?? e).slice(0, 2000)}`);
    expect((e as Error).message).not.toMatch(/\n/);
  }
}

describe("fuzz: summary.json readers", () => {
  it("phase summaries: the resume check and the phase report loader skip what is malformed", () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIX.phase_summaries), edits, damage, (s0, es, dmg) => {
        const dirs = [runFolder({ "summary.json": dmg(text(applyEdits(s0, es))) }), runFolder({ "summary.json": text(FIX.phase_summaries[1]) })];
        noBugs(() => {
          const s = readSummary(dirs[0]);
          expect(isDone(dirs[0])).toBe(s !== null);
          if (s !== null) expect(typeof s === "object" && !Array.isArray(s)).toBe(true);
          const runs = loadPhaseRuns(dirs);
          expect(runs.length).toBeGreaterThanOrEqual(1);
          for (const r of runs) {
            expect(typeof r.record.model).toBe("string");
            expect(Number.isFinite(r.record.sigma)).toBe(true);
          }
          const sum = summarizePhases(runs.map((r) => r.record));
          expect(sum.points).toBe(runs.length);
        });
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("compare summaries: the loader skips what is malformed; the aggregate and both tables build", () => {
    const order: string[] = FIX.compare_meta.methodOrder;
    fc.assert(
      fc.property(fc.constantFrom(...FIX.compare_summaries), edits, damage, fc.boolean(), (s0, es, dmg, badConfig) => {
        const files: Record<string, string> = { "summary.json": dmg(text(applyEdits(s0, es))) };
        if (badConfig) files["config.json"] = dmg(text(applyEdits(FIX.compare_config_json, es)));
        const dirs = [runFolder(files), ...FIX.compare_summaries.map((s: unknown) => runFolder({ "summary.json": text(s) }))];
        noBugs(() => {
          const runs = loadCompareRuns(dirs);
          expect(runs.length).toBeGreaterThanOrEqual(FIX.compare_summaries.length);
          const rows = markHoldoutChoice(aggregateCompare(runs, order));
          expect(typeof compareTable(rows)).toBe("string");
          expect(typeof verdictTable(rows)).toBe("string");
        });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("fuzz: config.json and sigmas.json readers", () => {
  it("readRunConfig: a validated config or a NinrError naming the file or key", () => {
    fc.assert(
      fc.property(edits, damage, (es, dmg) => {
        const dir = runFolder({ "config.json": dmg(text(applyEdits(FIX.compare_config_json, es))) });
        noBugs(() => {
          const cfg = readRunConfig(dir);
          expect(typeof cfg.lr).toBe("number");
        });
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("parseSigmaCache never throws: it keeps the well-formed complete cells and warns about the rest", () => {
    const preset = { name: FIX.sigmas.preset, lr: FIX.sigmas.lr, batch: FIX.sigmas.batch, sigmaSearch: FIX.sigmas.sigmaSearch };
    expect(parseSigmaCache(JSON.stringify(FIX.sigmas), preset)).toMatchObject({ warning: null });
    fc.assert(
      fc.property(edits, damage, (es, dmg) => {
        const { sigmas, warning } = parseSigmaCache(dmg(text(applyEdits(FIX.sigmas, es))), preset);
        for (const s of sigmas) expect(Number.isFinite(s.sigma) && s.sigma > 0).toBe(true);
        expect(warning === null || !/\n/.test(warning)).toBe(true);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});
