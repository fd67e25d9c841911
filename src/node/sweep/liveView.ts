/**
 * One live view of a sweep, whatever runs it: jobs queued / running / done / failed, each
 * worker's throughput, an ETA, and the partial results table (mean ± std per working point) as
 * runs finish. On a TTY the block is redrawn in place (at most 5 times a second); otherwise
 * (logs, CI) one plain line per finished job and a status line at most every 30 s, and the
 * table at the end. Writes to stderr by default so stdout stays clean.
 */
import type { Job } from "../../experiments/jobs.ts";
import { pointRows, resultsTable } from "./results.ts";

export type SweepCounts = { queued: number; running: number; done: number; failed: number };
export type WorkerStat = { done: number; seconds: number; first: number; last: number };

export type ViewState = {
  total: number;
  counts: SweepCounts;
  /** Per worker id: jobs it finished, their summed seconds, first and last finish time (ms). */
  workers: Map<string, WorkerStat>;
  summaries: Map<string, Record<string, unknown>>;
};

export function emptyState(total: number): ViewState {
  return { total, counts: { queued: total, running: 0, done: 0, failed: 0 }, workers: new Map(), summaries: new Map() };
}

/** Add one finished job of `worker` (at time `at`, ms) to the per-worker statistics. */
export function addWorkerFinish(s: ViewState, worker: string, seconds: number, at: number): void {
  const w = s.workers.get(worker) ?? { done: 0, seconds: 0, first: at - seconds * 1000, last: at };
  w.done++;
  w.seconds += seconds;
  w.first = Math.min(w.first, at - seconds * 1000);
  w.last = Math.max(w.last, at);
  s.workers.set(worker, w);
}

export function fmtSecs(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Jobs a minute of one worker: its finished jobs over the span from its first start to its last finish. */
export function jobsPerMinute(w: WorkerStat): number {
  const span = Math.max(1e-3, (w.last - w.first) / 60000);
  return w.done / span;
}

/** ETA from the workers' summed throughput; `?` before anything finished. */
export function etaSeconds(s: ViewState): number {
  const rate = [...s.workers.values()].reduce((a, w) => a + jobsPerMinute(w), 0);
  const left = s.total - s.counts.done - s.counts.failed;
  return left === 0 ? 0 : rate > 0 ? (left / rate) * 60 : NaN;
}

/** The status block as lines: counts and ETA, one line per worker, then the results table. */
export function renderState(label: string, s: ViewState, jobs: Job[]): string[] {
  const c = s.counts;
  const lines = [`${label}: ${s.total} jobs  queued ${c.queued}  running ${c.running}  done ${c.done}  failed ${c.failed}  eta ${fmtSecs(etaSeconds(s))}`];
  for (const [id, w] of [...s.workers].sort()) lines.push(`  worker ${id}: ${w.done} done, ${jobsPerMinute(w).toFixed(2)} jobs/min, ${(w.seconds / w.done).toFixed(1)} s/job`);
  lines.push(...resultsTable(pointRows(jobs, s.summaries)).trimEnd().split("\n"));
  return lines;
}

export class LiveView {
  private drawn = 0;
  private lastDraw = 0;
  private lastPlain = 0;
  private readonly tty: boolean;
  private readonly quiet: boolean;
  readonly state: ViewState;

  constructor(
    private readonly label: string,
    private readonly jobs: Job[],
    private readonly stream: NodeJS.WriteStream = process.stderr,
    opts: { quiet?: boolean; tty?: boolean } = {},
  ) {
    this.quiet = Boolean(opts.quiet);
    this.tty = !this.quiet && (opts.tty ?? Boolean(stream.isTTY));
    this.state = emptyState(jobs.length);
  }

  /** A job finished (or was found finished): count it once, by hash. */
  finished(hash: string, status: "done" | "cached" | "failed", detail: { worker?: string; seconds?: number; summary?: Record<string, unknown>; line?: string }): void {
    if (this.state.summaries.has(hash)) return;
    if (status !== "failed" && detail.summary) this.state.summaries.set(hash, detail.summary);
    if (status === "done" && detail.worker && detail.seconds !== undefined) addWorkerFinish(this.state, detail.worker, detail.seconds, Date.now());
    if (!this.tty && !this.quiet && detail.line) this.stream.write(detail.line + "\n");
    this.update();
  }

  /** New counts (from the queue, or the local executor's bookkeeping). */
  counts(c: SweepCounts): void {
    this.state.counts = c;
    this.update();
  }

  update(force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    if (this.tty) {
      if (!force && now - this.lastDraw < 200) return;
      this.lastDraw = now;
      const lines = renderState(this.label, this.state, this.jobs);
      // Move up over the previous block and clear it, then draw the new one.
      this.stream.write((this.drawn ? `\x1b[${this.drawn}A\x1b[J` : "") + lines.join("\n") + "\n");
      this.drawn = lines.length;
    } else if (force || now - this.lastPlain >= 30_000) {
      this.lastPlain = now;
      this.stream.write(renderState(this.label, this.state, this.jobs)[0] + "\n");
    }
  }

  /** The final block: on a TTY the last redraw, otherwise the status line and the table. */
  end(): void {
    if (this.quiet) return;
    if (this.tty) this.update(true);
    else this.stream.write(renderState(this.label, this.state, this.jobs).join("\n") + "\n");
  }
}
