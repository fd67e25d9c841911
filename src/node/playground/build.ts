/**
 * Building the playground (web/) with Vite's JS API, once: `ensureBuilt` builds when
 * web/dist/index.html is missing or older than its sources (or when forced), so `ninr playground`
 * starts at once after the first time. `npm run build:web` runs the same build for any static host.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The web app's folder and its build output. */
export const WEB_DIR = fileURLToPath(new URL("../../../web/", import.meta.url));
export const DIST_DIR = join(WEB_DIR, "dist");

/** Build web/ into web/dist (Vite, the folder's vite.config.ts). */
export async function buildWeb(): Promise<string> {
  const { build } = await import("vite");
  await build({ configFile: join(WEB_DIR, "vite.config.ts"), logLevel: "error" });
  return DIST_DIR;
}

const SRC_DIR = fileURLToPath(new URL("../../", import.meta.url));

/** Newest modification time (ms) of the files under `dir`, skipping `skip` folders. */
function newest(dir: string, skip: Set<string>): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!skip.has(p)) t = Math.max(t, newest(p, skip));
    } else if (e.isFile()) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Whether web/dist is missing or older than what it is built from: web/ (but its dist) and the
 * browser-safe core (src/ but src/node/).
 */
export function needsBuild(): boolean {
  const index = join(DIST_DIR, "index.html");
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = Math.max(newest(WEB_DIR, new Set([DIST_DIR, join(WEB_DIR, "node_modules")])), newest(SRC_DIR, new Set([join(SRC_DIR, "node")])));
  return sources > built;
}

/** web/dist, built first if it is missing or stale (or `force`). Returns whether it built. */
export async function ensureBuilt(opts: { force?: boolean } = {}): Promise<{ dir: string; built: boolean }> {
  if (!opts.force && !needsBuild()) return { dir: DIST_DIR, built: false };
  await buildWeb();
  return { dir: DIST_DIR, built: true };
}
