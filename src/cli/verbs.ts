/** Every CLI verb, registered in the order `ninr --help` lists them. */
import type { Command } from "commander";

export function registerVerbs(program: Command): void {
  void program;
}
