/**
 * `ninr bench`: speed of training, curvature and sweeps against a PyTorch reference run in the
 * same invocation; see src/node/bench/workloads.ts for the workloads and bench/README.md for
 * results. `--json` prints {"date","machine","reference_info","workloads":[{name,ninr,reference,unit,ratio,...}]}
 * (src/node/bench/report.ts). TensorFlow.js is a development dependency, so its column comes
 * from `npm run bench` (bench/run.ts: the same flags and workloads, through `configureBench`).
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { type BenchFlags, type BenchSides, runBench } from "../bench/report.ts";
import { WORKLOAD_NAMES } from "../bench/workloads.ts";
import { num } from "./flags.ts";

function workloadList(raw: string): string[] {
  const names = raw.split(",").map((s) => s.trim());
  const bad = names.filter((n) => !(WORKLOAD_NAMES as readonly string[]).includes(n));
  if (bad.length || names.length === 0) throw new InvalidArgumentError(`--only takes a comma-separated list of ${WORKLOAD_NAMES.join(",")}; got '${raw}'`);
  return names;
}

/**
 * The bench flags and action on `cmd`. `sides` is called when the command runs (so a missing
 * side is found out only then) and may add a TF.js side, notes and a footer.
 */
export function configureBench(cmd: Command, sides: () => BenchSides = () => ({})): Command {
  return cmd
    .addOption(new Option("--rounds <n>", "alternating rounds per workload").default(3).argParser(num("--rounds", { min: 1, max: 1000, integer: true })))
    .addOption(new Option("--threads <n>", "PyTorch reference threads (targets are against 1)").default(1).argParser(num("--threads", { min: 1, integer: true })))
    .addOption(new Option("--cores <n>", "our Wasm worker threads in *_2cores, and sweep workers (default: all cores)").argParser(num("--cores", { min: 1, integer: true })))
    .addOption(new Option("--only <names>", `comma-separated workloads (${WORKLOAD_NAMES.join(",")})`).argParser(workloadList))
    .option("--json", "print JSON only")
    .action(async (opts: BenchFlags) => {
      await runBench(opts, sides());
    });
}

export function registerBench(program: Command): void {
  configureBench(
    program.command("bench").description("benchmark training, curvature and sweeps against PyTorch (python3-torch), in one run (TensorFlow.js too: npm run bench, in a checkout)"),
    () => ({ footer: "TF.js: `npm run bench` in a checkout of ninr (its dev dependencies) runs the same workloads with a TensorFlow.js column." }),
  );
}
