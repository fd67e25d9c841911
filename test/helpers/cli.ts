/**
 * Run the real `ninr` launcher in a child process, asynchronously. (spawnSync would block the
 * vitest worker's event loop for the whole run; past 60 s vitest's RPC times out and fails the
 * suite even though every test passed.)
 */
import { spawn } from "node:child_process";

export const BIN = new URL("../../bin/ninr.js", import.meta.url).pathname;
export const SAMPLE = new URL("../../data/sample", import.meta.url).pathname;

export type CliResult = { status: number | null; stdout: string; stderr: string };

export function ninr(...args: string[]): Promise<CliResult> {
  return ninrEnv({}, ...args);
}

/** `ninr` with extra environment variables (e.g. NINR_THREADS). */
export function ninrEnv(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
