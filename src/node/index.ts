/** The Node-only part of ninr ("ninr/node"): files, run folders, executors, threads, PNG plots. */
export { runTraining, type RunOptions } from "./runTraining.ts";
export { loadDataset, loadFashionMnist, loadBundledSample } from "./data/fashionFiles.ts";
export { nodeEnv, loadNamedDataset } from "./env.ts";
export { writeRunRecord, readSummary, readRunConfig, loadRun, disposeRun, isDone, runDir, RUN_FILES } from "./runFolder.ts";
export { LocalExecutor } from "./executors/local.ts";
export { writeFileAtomic, writeJsonAtomic } from "./atomic.ts";
export { enableWasmThreads, wasmThreadsInfo } from "./threads.ts";
export { writeChart } from "./report/render.ts";
