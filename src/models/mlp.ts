/** The MLP: dense layers with the widths given (input first, classes last), ReLU on every hidden layer. */
import { NinrError } from "../errors.ts";
import { type Layer, chainModel } from "./chain.ts";
import { type ModelEntry, featureCount } from "./model.ts";

/** Dense layers for widths [D, ..., classes]. */
export function mlpLayers(widths: number[]): Layer[] {
  return widths.slice(1).map((nOut, i) => ({ kind: "dense", nIn: widths[i], nOut, relu: i < widths.length - 2 }));
}

export const MLP: ModelEntry = {
  name: "mlp",
  description: "dense layers of --widths (input features first, classes last), ReLU",
  build({ inputShape, classes, widths, init }) {
    const d = featureCount(inputShape);
    if (widths.length < 2) throw new NinrError(`--widths needs at least an input and an output width, got ${widths.join(",")}`);
    if (widths[0] !== d) throw new NinrError(`--widths must start with ${d} (the input features of the data, ${inputShape.join("x")}), got ${widths[0]}`);
    if (widths[widths.length - 1] !== classes) throw new NinrError(`--widths must end with ${classes} (the data's classes), got ${widths[widths.length - 1]}`);
    return chainModel("mlp", inputShape, mlpLayers(widths), init);
  },
};
