/** The Node-only part of ninr ("ninr/node"): files, run folders, executors, threads, PNG plots. */
export { runTraining, type RunOptions } from "./runTraining.ts";
export { loadDataset, loadFashionMnist, loadBundledSample } from "./data/fashionFiles.ts";
export { nodeEnv, loadNamedDataset } from "./env.ts";
export { writeRunRecord, readSummary, readRunConfig, loadRun, disposeRun, isDone, runDir, RUN_FILES } from "./runFolder.ts";
export { LocalExecutor } from "./executors/local.ts";
export { QueueExecutor, type QueueExecutorOptions } from "./executors/queue.ts";
export { startQueueWorker, type QueueWorkerOptions } from "./executors/queueWorker.ts";
export { runIndex, collectIndex, taskIndex } from "./executors/indexExecutor.ts";
export { checkSweepSpec, readSweepSpec, specHash, type SweepSpec } from "./sweep/spec.ts";
export { expandSweep } from "./sweep/expand.ts";
export { planSweep, readPlan, type SweepPlan } from "./sweep/plan.ts";
export { writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
export { enableWasmThreads, wasmThreadsInfo } from "./threads.ts";
export { writeChart } from "./report/render.ts";
