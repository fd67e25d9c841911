/**
 * Hostile-input audit of the CLI (issue 11): a table of bad inputs across every verb, each run in
 * a fresh temp folder with a timeout, and classified:
 *   clean        exit 2, exactly one stderr line, nothing written
 *   stack        a stack trace or exit 1 (a bug)
 *   hang         still running at the timeout (killed, with its process group)
 *   accepted     exit 0: the bad input was silently taken
 *   half-written exit 2 (one line) but files were written or changed
 *   noisy        exit 2, nothing written, but more than one stderr line
 * A case marked `warn` is clean when it exits 0 with a one-line "warning:" naming the problem
 * (a damaged run a report skips). The inputs and their fixtures: scripts/hostile/cases.ts. Writes
 * docs/results/hostile-inputs.md (counts per class and verb, the list of what is not clean) and
 * OUT/results.json.
 *
 *   npx tsx scripts/hostile-inputs.ts --out DIR [--only VERB] [--jobs 2] [--timeout 45] [--resume | --rerun-unclean] [--report FILE]
 */
import { spawn } from "node:child_process";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BIN, type Case, cases, fixtures } from "./hostile/cases.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const arg = (name: string, d?: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : d;
};
const OUT = resolve(arg("--out") ?? "");
if (!arg("--out")) throw new Error("usage: npx tsx scripts/hostile-inputs.ts --out DIR");
const JOBS = Number(arg("--jobs", "2"));
const TIMEOUT_S = Number(arg("--timeout", "45"));
const ONLY = arg("--only");
const REPORT = resolve(arg("--report", join(ROOT, "docs/results/hostile-inputs.md"))!);

type Outcome = "clean" | "stack" | "hang" | "accepted" | "half-written" | "noisy";

// ---------- running and classifying ----------

/** Every path under `dir` with its size and mtime (links not followed). */
function snapshot(dir: string, out = new Map<string, string>(), base = dir): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch {
      st = undefined;
    }
    const key = relative(base, p);
    if (st?.isDirectory()) {
      out.set(key + "/", "dir");
      snapshot(p, out, base);
    } else out.set(key, st ? `${st.size}:${st.mtimeMs}` : "link");
  }
  return out;
}

type Result = { verb: string; what: string; args: string; outcome: Outcome; code: number | null; seconds: number; stderr: string; written: string[] };

function runCase(cs: Case, i: number): Promise<Result> {
  const cwd = join(OUT, "cases", String(i));
  rmSync(cwd, { recursive: true, force: true });
  mkdirSync(cwd, { recursive: true });
  cs.setup?.(cwd);
  const before = snapshot(cwd);
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...cs.args], { cwd, stdio: ["ignore", "pipe", "pipe"], detached: true, env: { ...process.env, NINR_THREADS: "0" } });
    child.on("error", (e) => done({ verb: cs.verb, what: cs.what, args: "", outcome: "stack", code: null, seconds: 0, stderr: `the audit could not start it: ${e.message}`, written: [] }));
    let stderr = "";
    child.stdout.resume();
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d.length > 20000 ? d.slice(0, 20000) : d));
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, TIMEOUT_S * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, "SIGKILL"); // leftover workers of the group
      } catch {
        /* none */
      }
      const after = snapshot(cwd);
      const written = [...after.entries()].filter(([k, v]) => before.get(k) !== v).map(([k]) => k);
      const lines = stderr.split("\n").filter((l) => l.trim() !== "");
      let outcome: Outcome;
      if (hung) outcome = "hang";
      else if (/\n\s+at .+:\d+:\d+\)?/.test(stderr) || code === 1 || (code !== 0 && code !== 2)) outcome = "stack";
      else if (code === 0) outcome = cs.warn && lines.length === 1 && /warning:/.test(lines[0]) && written.every((f) => !f.startsWith("s/runs")) ? "clean" : "accepted";
      else if (written.length) outcome = "half-written";
      else outcome = lines.length === 1 ? "clean" : "noisy";
      // A report rebuild legitimately rewrites its outputs; only its run folders count as damage there.
      done({ verb: cs.verb, what: cs.what, args: cs.args.map((a) => (a.length > 60 ? a.slice(0, 57) + "..." : a)).join(" "), outcome, code, seconds: (performance.now() - t0) / 1000, stderr: lines.slice(0, 3).join(" | ").slice(0, 300), written: written.slice(0, 5) });
    });
  });
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const fx = fixtures(OUT);
  const all = cases(fx).filter((c) => !ONLY || c.verb === ONLY);
  const results: Result[] = new Array(all.length);
  // --resume: keep the outcomes already in OUT/results.jsonl (by verb and input).
  const key = (c: { verb: string; what: string }) => `${c.verb}\t${c.what}`;
  const prior = new Map<string, Result>();
  if ((process.argv.includes("--resume") || process.argv.includes("--rerun-unclean")) && existsSync(join(OUT, "results.jsonl")))
    for (const line of readFileSync(join(OUT, "results.jsonl"), "utf8").split("\n").filter(Boolean)) {
      const r = JSON.parse(line) as Result;
      // --rerun-unclean: keep only the clean outcomes, run the others again (after a fix).
      if (!process.argv.includes("--rerun-unclean") || r.outcome === "clean") prior.set(key(r), r);
    }
  else rmSync(join(OUT, "results.jsonl"), { force: true });
  let next = 0;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: JOBS }, async () => {
      while (next < all.length) {
        const i = next++;
        const r = (results[i] = prior.get(key(all[i])) ?? (await runCase(all[i], i)));
        if (!prior.has(key(all[i]))) appendFileSync(join(OUT, "results.jsonl"), JSON.stringify(r) + "\n");
        process.stderr.write(`[${i + 1}/${all.length}] ${r.outcome.padEnd(12)} ${r.verb} ${r.what} (${r.seconds.toFixed(1)}s)${r.outcome === "clean" ? "" : `: ${r.stderr.slice(0, 160)}`}\n`);
      }
    }),
  );
  // Restore anything a case made read-only, so the temp folders can be removed.
  try {
    chmodSync(join(OUT, "cases"), 0o755);
  } catch {
    /* fine */
  }
  writeFileSync(join(OUT, "results.json"), JSON.stringify(results, null, 1));
  const classes: Outcome[] = ["clean", "stack", "hang", "accepted", "half-written", "noisy"];
  const verbs = [...new Set(results.map((r) => r.verb))];
  const count = (f: (r: Result) => boolean) => results.filter(f).length;
  let md = `# Hostile-input audit (issue 11)\n\n`;
  md += `\`npx tsx scripts/hostile-inputs.ts --out DIR\` on ${new Date().toISOString().slice(0, 10)}: ${results.length} bad inputs across ${verbs.length} verbs, each in a fresh folder with a ${TIMEOUT_S} s timeout, ${JOBS} at a time (${((Date.now() - t0) / 60000).toFixed(1)} min). `;
  md += `clean = exit 2 with exactly one stderr line and nothing written (for a report over a damaged run: exit 0 with one warning line); stack = a stack trace or exit 1; hang = killed at the timeout; accepted = exit 0; half-written = exit 2 but files written; noisy = exit 2 with more than one line.\n\n`;
  md += `| class | inputs |\n|---|---|\n` + classes.map((k) => `| ${k} | ${count((r) => r.outcome === k)} |`).join("\n") + `\n| **total** | ${results.length} |\n\n`;
  md += `| verb | ${classes.join(" | ")} | total |\n|---|${classes.map(() => "---").join("|")}|---|\n`;
  for (const v of verbs) md += `| ${v} | ${classes.map((k) => count((r) => r.verb === v && r.outcome === k)).join(" | ")} | ${count((r) => r.verb === v)} |\n`;
  const bad = results.filter((r) => r.outcome !== "clean");
  md += `\n## Not clean (${bad.length})\n\n`;
  md += bad.length ? `| verb | input | class | exit | stderr (first lines) | written |\n|---|---|---|---|---|---|\n` + bad.map((r) => `| ${r.verb} | ${r.what} | ${r.outcome} | ${r.code} | ${r.stderr.replace(/\|/g, "\\|").replace(/`/g, "'")} | ${r.written.join(", ")} |`).join("\n") + "\n" : "None.\n";
  md += `\n## Every input\n\n| verb | input | class | seconds |\n|---|---|---|---|\n` + results.map((r) => `| ${r.verb} | ${r.what.replace(/\|/g, "\\|")} | ${r.outcome} | ${r.seconds.toFixed(1)} |`).join("\n") + "\n";
  mkdirSync(join(REPORT, ".."), { recursive: true });
  writeFileSync(REPORT, md);
  process.stderr.write(`${results.length} inputs: ${classes.map((k) => `${k} ${count((r) => r.outcome === k)}`).join(", ")} -> ${REPORT}\n`);
}

await main();
