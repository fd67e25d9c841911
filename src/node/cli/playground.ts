/**
 * `ninr playground [--port P] [--rebuild]`: build the web playground (web/, Vite) once if needed,
 * then serve web/dist on localhost. The first line of stdout is the URL it serves on.
 */
import type { Command } from "commander";
import { NinrError } from "../../errors.ts";
import { ensureBuilt } from "../playground/build.ts";
import { serveStatic } from "../playground/server.ts";
import { num } from "./flags.ts";

export function registerPlayground(program: Command): void {
  program
    .command("playground")
    .description("serve the NINR playground (live training in the browser, WebGPU or Wasm) on localhost")
    .option("--port <p>", "TCP port on 127.0.0.1 (0: any free port)", num("--port", { min: 0, max: 65535, integer: true }), 5178)
    .option("--rebuild", "rebuild web/dist even if it exists")
    .action(async (opts: { port: number; rebuild?: boolean }) => {
      const { dir, built } = await ensureBuilt({ force: Boolean(opts.rebuild) });
      const served = await serveStatic(dir, opts.port).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "EADDRINUSE" || e.code === "EACCES") throw new NinrError(`--port ${opts.port} cannot be used (${e.code}); pick another port, or 0 for any free one`);
        throw e;
      });
      process.stdout.write(`${served.url}\n`);
      process.stderr.write(`playground: serving ${dir}${built ? " (just built)" : ""}; Ctrl-C stops it\n`);
      const stop = () => {
        setTimeout(() => process.exit(0), 2000).unref(); // never hang on a lingering connection
        void served.close().then(() => process.exit(0));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
