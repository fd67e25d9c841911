/**
 * Which jax-js device the page computes on: WebGPU when the browser offers a working adapter,
 * Wasm otherwise (jax-js `init` initialises every backend it can and returns the ones that work).
 */
import { defaultDevice, init } from "@jax-js/jax";

export type BackendChoice = { device: "webgpu" | "wasm"; note: string };

export async function chooseBackend(): Promise<BackendChoice> {
  let available: string[] = [];
  try {
    available = await init();
  } catch {
    available = [];
  }
  if (available.includes("webgpu")) {
    defaultDevice("webgpu");
    return { device: "webgpu", note: "WebGPU" };
  }
  await init("wasm");
  defaultDevice("wasm");
  const why = typeof navigator !== "undefined" && "gpu" in navigator ? "WebGPU is present but gave no usable adapter" : "this browser has no WebGPU";
  return { device: "wasm", note: `Wasm (${why})` };
}
