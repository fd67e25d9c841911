/**
 * A static file server for the built playground, on localhost only (node:http). Safe against
 * path traversal: the decoded request path is resolved inside the served folder and its real
 * path (symlinks followed) must stay inside it; anything else is 404 (400 for undecodable paths,
 * 405 for methods other than GET/HEAD). No directory listings.
 */
import { createReadStream, realpathSync, statSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

/** The file a URL path names inside `root` (a real path), or null when it is outside or missing. */
export function resolveInside(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split("?")[0].split("#")[0]);
  } catch {
    return null;
  }
  if (path.includes("\0")) return null;
  if (path.endsWith("/")) path += "index.html";
  const base = realpathSync(root);
  const candidate = resolve(base, "." + (path.startsWith("/") ? path : "/" + path));
  if (candidate !== base && !candidate.startsWith(base + sep)) return null;
  try {
    const real = realpathSync(candidate);
    if (!real.startsWith(base + sep)) return null;
    return statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

export type Served = { server: Server; url: string; close: () => Promise<void> };

/** Serve `root` on 127.0.0.1:`port` (0: a free port). Resolves once listening. */
export function serveStatic(root: string, port: number): Promise<Served> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    let raw = req.url ?? "/";
    if (!raw.startsWith("/")) raw = "/" + raw;
    let file: string | null;
    try {
      decodeURIComponent(raw);
      file = resolveInside(root, raw);
    } catch {
      res.writeHead(400).end("bad request\n");
      return;
    }
    if (!file) {
      res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    // .gz assets are the sample's IDX files: sent as bytes (the page gunzips them), no Content-Encoding.
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    res.writeHead(200, { "Content-Type": type, "Content-Length": statSync(file).size, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache" });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", fail);
      const { port: p } = server.address() as AddressInfo;
      // close() also drops idle keep-alive connections, so a stop never waits on an open browser tab.
      const close = () =>
        new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
      ok({ server, url: `http://127.0.0.1:${p}/`, close });
    });
  });
}
