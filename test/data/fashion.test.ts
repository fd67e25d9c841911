/** Fashion-MNIST as a Dataset, the pure part (src/data/fashion.ts); file loading: test/node/data/fashionFiles.test.ts. */
import { describe, expect, it } from "vitest";
import { CLASS_NAMES } from "../../src/data/fashion.ts";

describe("real data", () => {
  it("has ten class names", () => {
    expect(CLASS_NAMES).toHaveLength(10);
    expect(CLASS_NAMES[0]).toBe("T-shirt/top");
    expect(CLASS_NAMES[9]).toBe("Ankle boot");
  });
});
