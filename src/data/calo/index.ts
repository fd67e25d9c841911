/** The synthetic calorimeter (issue 12; docs/detector.md): generator, shower shapes, Dataset, detector noise. */
export { CALO_DOMAINS, type CaloConfig, type CaloDomain, NOMINAL, SHIFT, caloConfig, checkCaloConfig } from "./config.ts";
export { type CaloSample, type GenerateOptions, addDetectorNoiseToImages, cellSigmas, generateCalo } from "./generate.ts";
export { type Geometry, LAYERS, cellsFromImage, cellsToImage, imageShapeOf, makeGeometry } from "./geometry.ts";
export { SHAPE_NAMES, type ShowerShapes, allShowerShapes, showerShapes } from "./showerShapes.ts";
export { CALO_CLASS_NAMES, type CaloDatasetOptions, caloDataset } from "./dataset.ts";
export { type DetectorNoise, detectorNoise } from "./detectorNoise.ts";
