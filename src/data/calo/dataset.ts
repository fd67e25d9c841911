/**
 * The synthetic calorimeter as a Dataset (NHWC [16, 16, 6], 2 classes: 0 = fragmentation photon,
 * 1 = prompt photon), so `ninr train --dataset calo` and every model run on it unchanged.
 *   "calo"          train and test from the nominal domain;
 *   "calo-shifted"  the same training set, the test set's events in the shifted domain (paired
 *                   with "calo"'s test events: same particles, other detector conditions);
 *   "calo-cdt"      "calo" with one extra detector-noise realisation (pile-up + electronic noise
 *                   of the nominal domain) added to every training image (CDT for the detector).
 * Streams: train from stream "train", test from "test", of the given seed. Pixels are the
 * generator's (calibrated energy / energyUnit) times fixed per-channel gains of the nominal
 * domain (`channelGains`: 1 / RMS of each channel over reference events), the same for every
 * split and domain.
 */
import type { Dataset } from "../dataset.ts";
import { type CaloConfig, type CaloDomain, caloConfig } from "./config.ts";
import { addDetectorNoiseToImages, applyGains, channelGains, generateCalo } from "./generate.ts";
import { imageShapeOf, makeGeometry } from "./geometry.ts";

export type CaloDatasetOptions = {
  nTrain?: number;
  nTest?: number;
  seed?: number;
  testDomain?: CaloDomain;
  /** Add one detector-noise realisation to every training image (stream "cdt"). */
  cdt?: boolean;
  overrides?: Partial<CaloConfig>;
};

export const CALO_CLASS_NAMES = ["fragmentation", "prompt"];
export const CALO_DEFAULT_SIZES = { nTrain: 6000, nTest: 2000, seed: 0 };

export function caloDatasetName(testDomain: CaloDomain, cdt: boolean): string {
  return cdt ? "calo-cdt" : testDomain === "shifted" ? "calo-shifted" : "calo";
}

export function caloDataset(opts: CaloDatasetOptions = {}): Dataset {
  const nTrain = opts.nTrain ?? CALO_DEFAULT_SIZES.nTrain;
  const nTest = opts.nTest ?? CALO_DEFAULT_SIZES.nTest;
  const seed = opts.seed ?? CALO_DEFAULT_SIZES.seed;
  const testDomain = opts.testDomain ?? "nominal";
  const nominal = caloConfig("nominal", opts.overrides);
  const train = generateCalo(nominal, { n: nTrain, seed, stream: "train" });
  if (opts.cdt) addDetectorNoiseToImages(nominal, train.images, nTrain, seed, "cdt");
  const test = generateCalo(caloConfig(testDomain, opts.overrides), { n: nTest, seed, stream: "test" });
  const gains = channelGains(nominal);
  applyGains(train.images, gains);
  applyGains(test.images, gains);
  return {
    name: caloDatasetName(testDomain, opts.cdt ?? false),
    inputShape: imageShapeOf(makeGeometry(nominal.windowCells)),
    classes: 2,
    classNames: CALO_CLASS_NAMES,
    range: [-1, nominal.ptMax / nominal.energyUnit],
    train: { images: train.images, labels: train.labels, n: nTrain },
    test: { images: test.images, labels: test.labels, n: nTest },
    source: "generated",
  };
}
