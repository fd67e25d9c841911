/** Every CLI verb, registered in the order `ninr --help` lists them. */
import type { Command } from "commander";
import { registerBench } from "./bench.ts";
import { registerCalo } from "./calo.ts";
import { registerCollect } from "./collect.ts";
import { registerCompare } from "./compare.ts";
import { registerDemo } from "./demo.ts";
import { registerDetector } from "./detector.ts";
import { registerEvaluate } from "./evaluate.ts";
import { registerPhases } from "./phases.ts";
import { registerPlayground } from "./playground.ts";
import { registerRunIndex } from "./runIndex.ts";
import { registerSweep } from "./sweep.ts";
import { registerToy } from "./toy.ts";
import { registerTrain } from "./train.ts";
import { registerWorker } from "./worker.ts";

export function registerVerbs(program: Command): void {
  registerDemo(program);
  registerTrain(program);
  registerEvaluate(program);
  registerToy(program);
  registerPhases(program);
  registerCompare(program);
  registerCalo(program);
  registerDetector(program);
  registerSweep(program);
  registerWorker(program);
  registerRunIndex(program);
  registerCollect(program);
  registerPlayground(program);
  registerBench(program);
}
