/**
 * Progress on long work: a redrawn bar on a TTY, occasional plain lines otherwise (quiet enough
 * for logs and CI). Writes to stderr so stdout stays clean for --json output.
 */
export type Progress = { update(done: number, total: number, note?: string): void; done(message?: string): void };

export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const tty = Boolean(stream.isTTY) && !quiet;
  const t0 = performance.now();
  let lastPlain = 0;
  let lastDraw = 0;
  return {
    update(done, total, note = "") {
      if (quiet) return;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const secs = (performance.now() - t0) / 1000;
      const eta = frac > 0 ? secs / frac - secs : NaN;
      if (tty) {
        const now = performance.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        const width = 28;
        const filled = Math.round(frac * width);
        const bar = "#".repeat(filled) + "-".repeat(width - filled);
        stream.write(`\r${label} [${bar}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ${note} eta ${fmtSecs(eta)}   `);
      } else {
        // Not a TTY (logs, CI): a plain line at most every 30 s, so long runs stay visible but quiet.
        if (secs - lastPlain < 30 && done < total) return;
        lastPlain = secs;
        stream.write(`${label}: ${(frac * 100).toFixed(0)}% (${done}/${total}) ${note} ${secs.toFixed(0)}s\n`);
      }
    },
    done(message) {
      if (tty) stream.write("\n");
      if (message && !quiet) stream.write(message + "\n");
    },
  };
}

function fmtSecs(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
}
