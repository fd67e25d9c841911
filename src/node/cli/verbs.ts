/** Every CLI verb, registered in the order `ninr --help` lists them. */
import type { Command } from "commander";
import { registerBench } from "./bench.ts";
import { registerCompare } from "./compare.ts";
import { registerDemo } from "./demo.ts";
import { registerEvaluate } from "./evaluate.ts";
import { registerPhases } from "./phases.ts";
import { registerToy } from "./toy.ts";
import { registerTrain } from "./train.ts";

export function registerVerbs(program: Command): void {
  registerDemo(program);
  registerTrain(program);
  registerEvaluate(program);
  registerToy(program);
  registerPhases(program);
  registerCompare(program);
  registerBench(program);
}
