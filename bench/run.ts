/**
 * `npm run bench`: `ninr bench` (ours against PyTorch, src/node/bench/) plus TensorFlow.js
 * (bench/tfjs.ts, its Wasm backend), the same workloads, flags and report, in one invocation.
 * TF.js is a development dependency (installed by `npm ci`), which is why it lives here and not
 * in the shipped `ninr bench`.
 *
 *   npm run bench -- [--rounds 3] [--threads 1] [--cores 2] [--only mlp_step,cnn_step] [--json]
 *   npx tsx bench/run.ts ...                        (the same)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { NinrError } from "../src/errors.ts";
import { configureBench } from "../src/node/cli/bench.ts";
import { runJson } from "../src/node/bench/workloads.ts";

const HERE = fileURLToPath(new URL(".", import.meta.url));

function tfjsAvailable(): boolean {
  return existsSync(`${HERE}tfjs.ts`) && spawnSync(process.execPath, ["-e", "require.resolve('@tensorflow/tfjs-backend-wasm')"], { cwd: HERE, encoding: "utf8" }).status === 0;
}

const tfjs = (workload: string, reps: number) => runJson(process.execPath, ["--import", "tsx", "tfjs.ts", workload, String(reps), "wasm"], `TensorFlow.js ${workload}`, HERE);

const program = new Command("npm run bench")
  .description("benchmark training, curvature and sweeps against PyTorch (python3-torch) and TensorFlow.js, in one run")
  .showHelpAfterError(false)
  .exitOverride();
configureBench(program, () =>
  tfjsAvailable() ? { tfjs } : { notes: ["TensorFlow.js packages not installed (npm ci installs them); no TensorFlow.js column"] },
);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  if (err instanceof NinrError) {
    process.stderr.write(`npm run bench: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
