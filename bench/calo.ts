/**
 * Synthetic-calorimeter generator speed on one core (issue 12 target: >= 2,000 images/s).
 * Reports wall-clock and process CPU time (on a busy machine the CPU-time rate is the one that
 * says what one core does), per domain and for the full-pipeline pieces.
 *
 *   npx tsx bench/calo.ts [n]       (default n = 4000)
 */
import { caloConfig } from "../src/data/calo/config.ts";
import { generateCalo } from "../src/data/calo/generate.ts";

const n = Number(process.argv[2] ?? 4000);
generateCalo(caloConfig("nominal"), { n: 200, seed: 99 }); // warm-up (JIT)
const cases: [string, Parameters<typeof generateCalo>[1], "nominal" | "shifted"][] = [
  ["nominal, full", { n, seed: 1 }, "nominal"],
  ["shifted, full", { n, seed: 1 }, "shifted"],
  ["nominal, prompt+frag showers only (no pile-up, no noise)", { n, seed: 1, pileup: false, noise: false }, "nominal"],
];
for (const [name, opts, domain] of cases) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  generateCalo(caloConfig(domain), opts);
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(`${name}: ${n} images, ${(n / wall).toFixed(0)} images/s wall, ${(n / cpu).toFixed(0)} images/s per CPU-second`);
}
