/**
 * The public library API of ninr, browser-safe: nothing here (or below it) imports a Node
 * module, so the core bundles for browsers (test/core/bundle.test.ts). Node-only pieces —
 * file loaders, run folders, executors, threads, PNG rendering, the CLI — are in "ninr/node".
 */
export { NinrError } from "./errors.ts";
export { DEFAULT_CONFIG, RUN_SCHEMA, resolveConfig, type RunConfig } from "./config.ts";
// Arrays and keys
export { conv2dSame, maxPool2, subsample2 } from "./engine/conv.ts";
export { HostRng } from "./engine/hostRng.ts";
export { splitN, streamKey, streamSeed } from "./engine/keys.ts";
// The method
export { type NinSite, type Placement, placeNins, thetaName, isNiw } from "./nin/sites.ts";
export { thetaShape, initTheta } from "./nin/theta.ts";
export { inject } from "./nin/inject.ts";
export { type NoiseModel, sampleEps, whiteNoise } from "./nin/noise.ts";
// Data
export { type Dataset, type Split, deviceBatch, hostBatch } from "./data/dataset.ts";
export { fashionDataset, splitFromIdx, CLASS_NAMES } from "./data/fashion.ts";
export { syntheticDataset } from "./data/synthetic.ts";
export { caloDataset, caloConfig, generateCalo, showerShapes, detectorNoise, type CaloConfig } from "./data/calo/index.ts";
export { registerDataset, datasetNames } from "./data/registry.ts";
export { parseIdx, encodeIdx } from "./data/idx.ts";
export { holdout, subset } from "./data/split.ts";
export { addGaussianNoise } from "./corrupt/additive.ts";
// Models
export { type Model, type ModelEntry, type ModelState, type Params, type DataShape } from "./models/model.ts";
export { registerModel, modelNames, buildModel } from "./models/registry.ts";
export { chainModel, type Layer } from "./models/chain.ts";
export { batchNorm } from "./models/layers.ts";
export { buildNetwork, type Network } from "./models/network.ts";
// Training
export { sgd, adam, scaleByAdam, optimizerFor, chain, scaleByLearningRate, traceMomentum, addDecayedWeights, applyUpdates, type GradientTransformation } from "./train/optim.ts";
export { makeStepFns, makeTrainLoss, type StepFns } from "./train/step.ts";
export { train, initialParams, disposeResult, type TrainResult, type Metric } from "./train/loop.ts";
export { evaluate } from "./train/evaluate.ts";
export { prepareData, fitSize } from "./train/prepare.ts";
// Dynamics
export { measureCurvature, makeCurvatureMeter } from "./dynamics/curvature.ts";
export { kOfSigma, makeSigmaMeter } from "./dynamics/kOfSigma.ts";
export { predictPhase, sigmaFor } from "./dynamics/predict.ts";
export { classifyTrajectory, seriesFromMetrics, OBSERVED_THRESHOLDS, OBSERVED_PHASES } from "./dynamics/classify.ts";
export { simulateToy } from "./dynamics/toy.ts";
export { sweepToy } from "./dynamics/toySweep.ts";
// Experiments and executors
export { makeJob, type Job, type Executor, type JobOutcome } from "./experiments/jobs.ts";
export { runJob } from "./experiments/runners.ts";
export { runTrainJob } from "./experiments/trainJob.ts";
export { evaluateAdversarial, inputGradient, ADVERSARIAL_EPS } from "./experiments/adversarial.ts";
export { shiftedTestSet, DOMAIN_SHIFT_NAMES } from "./experiments/domainShift.ts";
export { encodeSafetensors, decodeSafetensors } from "./io/safetensors.ts";
