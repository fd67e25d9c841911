/**
 * Faults on a real sweep (`ninr phases --preset smoke` on the bundled sample, 4 points, 2
 * workers): SIGKILL of the sweep's parent mid-sweep, then SIGKILL of one worker on the restart,
 * then a clean restart. Checked by pid and by file: no orphan process survives, nothing finished
 * is lost or recomputed (summary.json mtimes), and each restart computes exactly the unfinished
 * jobs. Also: a second sweep on a busy --out exits 2 with one line and writes nothing; Ctrl-C on
 * a sweep and on `ninr train` exits 130 with one line, no stack, no workers and no torn files; a
 * second `ninr train` into a folder another is writing exits 2.
 */
import { describe, expect, it } from "vitest";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, SAMPLE } from "../helpers/cli.ts";

const SWEEP = ["phases", "--preset", "smoke", "--data", SAMPLE, "--sigmas", "1,3,10,30", "--lrs", "0.05", "--workers", "2"];

type Proc = { child: ChildProcess; stderr: () => string; exit: Promise<number | null>; exited: () => boolean };
function start(args: string[], opts: { group?: boolean } = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "ignore", "pipe"], detached: opts.group, env: { ...process.env, NINR_THREADS: "0" } });
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  let exited = false;
  const exit = new Promise<number | null>((r) => child.on("close", (code) => ((exited = true), r(code))));
  return { child, stderr: () => err, exit, exited: () => exited };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wait for `cond`; fail at once if `proc` ends first (its stderr says why). */
async function until(cond: () => boolean, proc?: Proc, ms = 150_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (proc?.exited()) throw new Error(`the process ended first: ${proc.stderr().slice(-2000)}`);
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting${proc ? `: ${proc.stderr().slice(-2000)}` : ""}`);
    await sleep(100);
  }
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z "); // a zombie is gone
  } catch {
    return false;
  }
};
/** Pids whose parent is `pid` (from /proc: the sweep's worker processes). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(d));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}
/** summary.json mtime per finished job (run folder hash). */
function finished(out: string): Map<string, number> {
  const m = new Map<string, number>();
  const runs = join(out, "runs");
  if (!existsSync(runs)) return m;
  for (const h of readdirSync(runs)) {
    const f = join(runs, h, "summary.json");
    if (existsSync(f)) m.set(h, statSync(f).mtimeMs);
  }
  return m;
}
/** Temporary files of atomic writes left anywhere below `dir` (a torn write). */
function tmpFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.endsWith(".tmp")) out.push(e.name);
  return out;
}
const lines = (s: string) => s.split("\n").filter((l) => l.trim() !== "");

describe("a sweep under faults", () => {
  it("SIGKILL of the parent, then of one worker: no orphans, nothing lost, only unfinished jobs recomputed", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-faults-"));
    const args = [...SWEEP, "--out", out];

    // 1. Kill the coordinator once the first job has finished; the other two in flight die with it.
    const a = start(args);
    await until(() => /\[1\/4\]/.test(a.stderr()), a);
    await sleep(500); // the next job's worker has started
    const workersA = childrenOf(a.child.pid!);
    expect(workersA.length).toBeGreaterThanOrEqual(1);
    a.child.kill("SIGKILL");
    await a.exit;
    await until(() => !workersA.some(alive), undefined, 30_000);
    const afterA = finished(out);
    expect(afterA.size).toBeGreaterThanOrEqual(1);
    expect(afterA.size).toBeLessThan(4);

    // 2. Restart (the dead sweep's lock is taken over); kill one worker mid-job.
    const b = start(args);
    let killed = 0;
    await until(() => {
      const ws = childrenOf(b.child.pid!);
      if (ws.length && /phases: 4 runs/.test(b.stderr())) killed = ws[0];
      return killed !== 0;
    }, b);
    await sleep(3000); // it has its job
    process.kill(killed, "SIGKILL");
    const codeB = await b.exit;
    const errB = b.stderr();
    expect(errB).toMatch(/taking over the stale sweep lock/);
    expect(codeB, errB).toBe(2);
    expect(lines(errB).at(-1)).toMatch(/^ninr: 1 of 4 runs failed .*rerun the same command/);
    expect(errB).not.toMatch(/\n\s+at /);
    const afterB = finished(out);
    // Nothing finished was lost or redone: every job of run 1 kept its summary.json untouched.
    for (const [h, t] of afterA) expect(afterB.get(h)).toBe(t);
    expect((errB.match(/ cached/g) ?? []).length).toBe(afterA.size);
    expect(afterB.size).toBe(3); // the 4 jobs less the one whose worker was killed
    expect(childrenOf(b.child.pid!)).toEqual([]);

    // 3. A clean restart computes only the one unfinished job.
    const c = start(args);
    const codeC = await c.exit;
    expect(codeC, c.stderr()).toBe(0);
    expect((c.stderr().match(/ cached/g) ?? []).length).toBe(3);
    expect((c.stderr().match(/ done: /g) ?? []).length).toBe(1);
    const afterC = finished(out);
    expect(afterC.size).toBe(4);
    for (const [h, t] of afterB) expect(afterC.get(h)).toBe(t);
    expect(existsSync(join(out, "sweep.lock"))).toBe(false);
    expect(tmpFiles(out)).toEqual([]);
  }, 400_000);

  it("a second sweep on a busy --out exits 2 with one line and writes nothing; Ctrl-C stops the first (130, one line)", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-faults-lock-"));
    const a = start([...SWEEP, "--out", out], { group: true });
    await until(() => existsSync(join(out, "phases-config.json")) && childrenOf(a.child.pid!).length > 0, a);
    const cfgTime = statSync(join(out, "phases-config.json")).mtimeMs;
    const second = start([...SWEEP, "--out", out]);
    expect(await second.exit).toBe(2);
    expect(lines(second.stderr())).toHaveLength(1);
    expect(second.stderr()).toMatch(/^ninr: another sweep \(pid \d+, started .*\) is writing to /);
    expect(statSync(join(out, "phases-config.json")).mtimeMs).toBe(cfgTime);

    const workers = childrenOf(a.child.pid!);
    process.kill(-a.child.pid!, "SIGINT"); // Ctrl-C reaches the whole foreground process group
    expect(await a.exit).toBe(130);
    const err = a.stderr();
    expect(lines(err).at(-1)).toMatch(/^ninr: interrupted \(SIGINT\); .*rerun the same command to resume/);
    expect(err).not.toMatch(/\n\s+at |Error:/);
    await until(() => !workers.some(alive), undefined, 30_000);
    expect(existsSync(join(out, "sweep.lock"))).toBe(false);
    expect(tmpFiles(out)).toEqual([]);
  }, 200_000);
});

describe("ninr train under faults", () => {
  it("a second train into a folder being written exits 2; Ctrl-C exits 130 with one line and leaves no files", async () => {
    const out = mkdtempSync(join(tmpdir(), "ninr-faults-train-"));
    // Long enough (hours) that it is still training when the second train and the Ctrl-C come, however fast the machine.
    const args = ["train", "--data", SAMPLE, "--epochs", "20000", "--no-curvature", "--quiet", "--out", out];
    const a = start(args, { group: true });
    await until(() => existsSync(join(out, "train.lock")), a);
    const second = start(args);
    expect(await second.exit).toBe(2);
    expect(lines(second.stderr())).toHaveLength(1);
    expect(second.stderr()).toMatch(/^ninr: another train \(pid \d+, .*\) is writing to /);
    await sleep(1000);
    process.kill(-a.child.pid!, "SIGINT");
    expect(await a.exit).toBe(130);
    expect(lines(a.stderr())).toEqual([expect.stringMatching(/^ninr: interrupted \(SIGINT\); .*rerun the same command/)]);
    // Training writes its run folder only at the end: an interrupted one leaves it empty.
    expect(readdirSync(out)).toEqual([]);
  }, 400_000);
});
