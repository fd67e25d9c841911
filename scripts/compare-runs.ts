/**
 * Compare two trees of run outputs file by file, ignoring wall-clock fields: the check behind
 * "same seed, same numbers" across code changes. Binary files (params.safetensors) must be
 * byte-identical; JSON and JSONL files must be equal after dropping the ignored keys.
 *
 *   npx tsx scripts/compare-runs.ts BEFORE_DIR AFTER_DIR [--ignore key1,key2]
 *
 * Prints one line per file (same / DIFF / MISSING) and, for JSON files that differ, the keys
 * that differ with both values. Exit code 1 if anything differs.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const args = process.argv.slice(2);
const at = args.indexOf("--ignore");
const extra = at >= 0 ? args.splice(at, 2)[1].split(",") : [];
const [a, b] = args;
if (!a || !b) {
  process.stderr.write("usage: npx tsx scripts/compare-runs.ts BEFORE_DIR AFTER_DIR [--ignore key1,key2]\n");
  process.exit(2);
}
const IGNORE = new Set(["seconds", "seconds_per_epoch", "curvature_seconds", "run_dir", ...extra]);

const strip = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(strip) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([k]) => !IGNORE.has(k)).map(([k, x]) => [k, strip(x)])) : v;
const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

let differ = 0;
for (const fa of files(a).sort()) {
  const rel = relative(a, fa);
  const fb = join(b, rel);
  if (!existsSync(fb)) {
    console.log(`MISSING ${rel}`);
    differ++;
    continue;
  }
  let same: boolean;
  const notes: string[] = [];
  if (rel.endsWith(".json") || rel.endsWith(".jsonl")) {
    const parse = (f: string) => readFileSync(f, "utf8").trim().split(rel.endsWith(".jsonl") ? "\n" : "\u0000").filter(Boolean).map((l) => strip(JSON.parse(l)));
    const [ja, jb] = [parse(fa), parse(fb)];
    same = JSON.stringify(ja) === JSON.stringify(jb);
    if (!same && ja.length === 1 && ja[0] && typeof ja[0] === "object") {
      const [oa, ob] = [ja[0] as Record<string, unknown>, jb[0] as Record<string, unknown>];
      for (const k of new Set([...Object.keys(oa), ...Object.keys(ob ?? {})]))
        if (JSON.stringify(oa[k]) !== JSON.stringify(ob?.[k])) notes.push(`    ${k}: ${JSON.stringify(oa[k])?.slice(0, 120)} | ${JSON.stringify(ob?.[k])?.slice(0, 120)}`);
    }
  } else same = Buffer.compare(readFileSync(fa), readFileSync(fb)) === 0;
  console.log(`${same ? "same" : "DIFF"} ${rel}`);
  for (const n of notes) console.log(n);
  if (!same) differ++;
}
process.exit(differ ? 1 : 0);
