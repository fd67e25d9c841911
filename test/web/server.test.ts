/**
 * The playground's static server (src/node/playground/server.ts): serves files of its folder,
 * never anything outside it (encoded dot-dots, absolute paths, symlinks out, NUL bytes), and
 * the CLI rejects a bad --port with exit code 2 and one line.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Served, resolveInside, serveStatic } from "../../src/node/playground/server.ts";

const BIN = fileURLToPath(new URL("../../bin/ninr.js", import.meta.url));

/** Raw GET of `path` exactly as written (no client-side normalisation of ../). */
function get(url: string, path: string, method = "GET"): Promise<{ status: number; body: string; type: string | undefined }> {
  const u = new URL(url);
  return new Promise((ok, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => ok({ status: res.statusCode ?? 0, body, type: res.headers["content-type"] }));
    });
    req.on("error", fail);
    req.end();
  });
}

describe("playground static server", () => {
  let dir: string;
  let outside: string;
  let served: Served;
  beforeAll(async () => {
    const base = mkdtempSync(join(tmpdir(), "ninr-pg-"));
    dir = join(base, "site");
    outside = join(base, "secret.txt");
    mkdirSync(join(dir, "assets"), { recursive: true });
    writeFileSync(join(dir, "index.html"), "<p>hi</p>");
    writeFileSync(join(dir, "assets", "a.js"), "export {}");
    writeFileSync(outside, "SECRET");
    symlinkSync(outside, join(dir, "link.txt"));
    served = await serveStatic(dir, 0);
  });
  afterAll(async () => {
    await served.close();
    rmSync(join(dir, ".."), { recursive: true, force: true });
  });

  it("serves the folder's files with their types, index.html for /", async () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const root = await get(served.url, "/");
    expect(root).toMatchObject({ status: 200, body: "<p>hi</p>", type: "text/html; charset=utf-8" });
    expect(await get(served.url, "/assets/a.js?v=1")).toMatchObject({ status: 200, type: "text/javascript; charset=utf-8" });
    expect((await get(served.url, "/assets/a.js", "HEAD")).status).toBe(200);
    expect((await get(served.url, "/missing.js")).status).toBe(404);
    expect((await get(served.url, "/assets/")).status).toBe(404);
    expect((await get(served.url, "/", "POST")).status).toBe(405);
  });

  it.each(["/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/..%5csecret.txt", "/link.txt", "/%00index.html", "/%E0%A4%A", "//etc/passwd", "/etc/passwd"])(
    "never serves anything outside the folder: %s",
    async (path) => {
      const r = await get(served.url, path);
      expect([400, 404]).toContain(r.status);
      expect(r.body).not.toContain("SECRET");
    },
  );

  it("resolveInside keeps every resolved path inside the root", () => {
    expect(resolveInside(dir, "/index.html")).toBe(join(dir, "index.html"));
    expect(resolveInside(dir, "/../secret.txt")).toBeNull();
    expect(resolveInside(dir, "/link.txt")).toBeNull();
  });

  it.each(["abc", "70000"])("ninr playground --port %s exits 2 with one line", (port) => {
    const r = spawnSync(process.execPath, [BIN, "playground", "--port", port], { encoding: "utf8", env: { ...process.env, NINR_THREADS: "0" }, timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/--port/);
  });
});
