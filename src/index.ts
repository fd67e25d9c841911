/** The public library API of ninr (re-exports only). */
export { NinrError } from "./errors.ts";
export { DEFAULT_CONFIG, resolveConfig, type RunConfig } from "./config.ts";
export { layersFor, mlpLayers, cnnLayers, ninLayerIndices, type Layer } from "./models/arch.ts";
export { initNetwork, applyNetwork, type Params, type ApplyCtx } from "./models/network.ts";
export { sampleEps } from "./nin/noise.ts";
export { conv2dSame, maxPool2 } from "./engine/conv.ts";
export { HostRng } from "./engine/hostRng.ts";
export { loadDataset, loadFashionMnist, loadBundledSample, CLASS_NAMES, type Dataset, type Split } from "./data/fashion.ts";
export { parseIdx, encodeIdx } from "./data/idx.ts";
export { holdout, subset } from "./data/split.ts";
export { sgd, chain, scaleByLearningRate, traceMomentum, addDecayedWeights, applyUpdates, type GradientTransformation } from "./train/optim.ts";
export { makeStepFns, makeTrainLoss, type StepFns } from "./train/step.ts";
export { train, type TrainResult, type Metric } from "./train/loop.ts";
export { evaluate } from "./train/evaluate.ts";
export { runTraining, disposeResult, prepareData, type RunSummary } from "./train/run.ts";
export { encodeSafetensors, decodeSafetensors } from "./io/safetensors.ts";
export { addGaussianNoise } from "./corrupt/additive.ts";
export { simulateToy, sweepToy } from "./dynamics/toy.ts";
