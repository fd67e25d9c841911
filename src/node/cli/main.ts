/**
 * The `ninr` command line: one verb per job, each in its own file (src/node/cli/<verb>.ts).
 * Exit codes: 0 success, 2 a user error (NinrError or a bad flag), 1 a bug (stack printed).
 */
import { Command, CommanderError } from "commander";
import { NinrError } from "../../errors.ts";
import { registerVerbs } from "./verbs.ts";

// `ninr toy --json | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

// Ctrl-C / kill: stop at once with one line, no stack. Writes are synchronous and atomic, so a
// signal handled here never splits one; exiting closes the sweep workers' IPC channels and they
// stop too (src/node/executors/worker.ts); locks go with the process ("exit" handlers).
for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const)
  process.on(signal, () => {
    process.stderr.write(`\nninr: interrupted (${signal}); finished work is kept and nothing is half-written: rerun the same command to resume\n`);
    process.exit(code);
  });

const program = new Command();
program
  .name("ninr")
  .description("Noise Injection Node Regularization toolkit (jax-js)")
  .showHelpAfterError(false)
  .exitOverride();
registerVerbs(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // help / version are "errors" with exit code 0 in commander's override mode.
    if (err.exitCode === 0) process.exit(0);
    process.exit(2); // commander already printed "error: ..." on one line
  }
  if (err instanceof NinrError) {
    process.stderr.write(`ninr: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
