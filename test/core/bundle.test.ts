/**
 * The core is browser-safe: the library's main entry bundles with esbuild for the browser
 * platform, and nothing in the bundle imports a Node module. (esbuild fails the build on an
 * unresolvable `node:` import for platform "browser"; the checks below also catch a bare
 * builtin such as "fs" that a polyfill-free bundler would leave as an external import.)
 */
import { describe, expect, it } from "vitest";
import { build } from "esbuild";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";

const ENTRIES = ["../../src/index.ts", "../../src/report/index.ts"].map((p) => fileURLToPath(new URL(p, import.meta.url)));
const NODE_ONLY = fileURLToPath(new URL("../../src/node/index.ts", import.meta.url));

async function bundle(entry: string) {
  return build({ entryPoints: [entry], bundle: true, platform: "browser", format: "esm", write: false, metafile: true, logLevel: "silent" });
}

describe("browser bundle of the core", () => {
  it.each(ENTRIES)("%s bundles for the browser with no Node import", async (entry) => {
    const r = await bundle(entry);
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.some((i) => i.includes("src/node/"))).toBe(false);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const imports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => p.startsWith("node:") || builtins.has(p))).toEqual([]);
    expect(r.outputFiles[0].text).not.toMatch(/from\s*["']node:|require\(["']node:/);
  }, 60_000);

  it("the check is real: the Node-only entry does not bundle for the browser", async () => {
    await expect(bundle(NODE_ONLY)).rejects.toThrow(/node:/);
  }, 60_000);
});
