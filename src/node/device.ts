/**
 * Where jax-js computes in Node: its Wasm backend (default) or its WebGPU backend through Dawn
 * (the `webgpu` npm package: a prebuilt `dawn.node` inside the package).
 *
 *   wasm    jax-js's Wasm backend (the default; float64 works; bit-identical with threads).
 *   webgpu  jax-js's WebGPU backend on the first adapter Dawn finds; no adapter is a NinrError
 *           saying why and what to install.
 *   auto    webgpu when Dawn finds a real GPU adapter, else wasm. A CPU adapter (SwiftShader,
 *           or any adapter Dawn marks as a fallback) is never chosen by `auto`: it is for
 *           correctness checks only (about 1.5 GFLOP/s, far below Wasm), so `auto` falls back
 *           to wasm rather than silently running on it. Ask for it with `--device webgpu`.
 *
 * On Linux Dawn uses Vulkan: it needs the Vulkan loader (`libvulkan.so.1`, Debian `libvulkan1`)
 * and a Vulkan driver (ICD) for the GPU. Without a GPU, Debian's `chromium` package ships
 * SwiftShader's Vulkan driver: `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`
 * makes it the adapter (Debian 12's lavapipe, `mesa-vulkan-drivers` 22.3, is refused by Dawn:
 * "Vulkan shaderUniform*ArrayDynamicIndexing required").
 *
 * jax-js reads `navigator.gpu` when its WebGPU backend is created and `navigator.userAgent`
 * whenever it compiles a WebGPU kernel; Node 20 has no `navigator`, so `installWebGpuGlobals`
 * provides one (and the WebGPU constants such as `GPUBufferUsage`). On WebGPU every read must
 * be async (`await x.data()`): the core only reads that way. Float64 has no WebGPU kernels
 * (WGSL has no f64): float64 work must run on a CPU backend (wasm/cpu).
 */
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";
import { RUN_SCHEMA, type RunConfig, checkField } from "../config.ts";
import { NinrError } from "../errors.ts";
import type { Job } from "../experiments/jobs.ts";
import { wasmThreadsInfo } from "./threads.ts";

export type DeviceKind = RunConfig["device"];
export type Device = Exclude<DeviceKind, "auto">;

/** Where Debian's chromium package puts SwiftShader's Vulkan driver manifest. */
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

export type AdapterInfo = { vendor: string; architecture: string; device: string; description: string; fallback: boolean };

export type DeviceChoice = {
  device: Device;
  /** The WebGPU adapter (device webgpu), or the one `auto` passed over. */
  adapter?: AdapterInfo;
  /** Why `auto` chose wasm. */
  reason?: string;
};

let active: DeviceChoice | null = null;

/** The device `setupDevice` chose in this process (wasm if it was never called). */
export function activeDevice(): Device {
  return active?.device ?? "wasm";
}

/** The chosen device and adapter, or null before `setupDevice`. */
export function deviceChoice(): DeviceChoice | null {
  return active;
}

/** Is the adapter a CPU implementation (SwiftShader, or one Dawn flags as a fallback)? */
export const isCpuAdapter = (a: AdapterInfo) => a.fallback || /swiftshader|llvmpipe|lavapipe/i.test(`${a.architecture} ${a.device} ${a.description}`);

/** One line naming the adapter. */
export const describeAdapter = (a: AdapterInfo) =>
  [a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(" / ") + (isCpuAdapter(a) ? " (CPU adapter: correctness only, slower than wasm)" : "");

const INSTALL_HINT =
  "install the GPU's Vulkan driver (e.g. nvidia-driver, mesa-vulkan-drivers for AMD/Intel), " +
  `or for the SwiftShader CPU adapter (correctness only) Debian's chromium and VK_ICD_FILENAMES=${SWIFTSHADER_ICD}`;

/** Directories the dynamic linker searches for the Vulkan loader (enough for a diagnosis). */
function libDirs(): string[] {
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? "").split(delimiter).filter(Boolean);
  const arch = process.arch === "x64" ? "x86_64-linux-gnu" : process.arch === "arm64" ? "aarch64-linux-gnu" : "";
  return [...fromEnv, ...(arch ? [`/usr/lib/${arch}`, `/lib/${arch}`] : []), "/usr/lib64", "/lib64", "/usr/lib", "/lib", "/usr/local/lib"];
}

/** The Vulkan driver manifests the loader would read: those its variable names (VK_DRIVER_FILES or VK_ICD_FILENAMES), else the system folders'. */
function icdFiles(): { fromEnv: string | null; files: string[] } {
  const name = process.env.VK_DRIVER_FILES ? "VK_DRIVER_FILES" : "VK_ICD_FILENAMES";
  const env = process.env[name];
  if (env) return { fromEnv: `${name}=${env}`, files: env.split(delimiter).filter((f) => f && existsSync(f)) };
  const dirs = ["/usr/share/vulkan/icd.d", "/usr/local/share/vulkan/icd.d", "/etc/vulkan/icd.d"];
  const files = dirs.flatMap((d) => {
    try {
      return readdirSync(d)
        .filter((f) => f.endsWith(".json"))
        .map((f) => join(d, f));
    } catch {
      return [];
    }
  });
  return { fromEnv: null, files };
}

/**
 * Why Vulkan cannot give Dawn an adapter, if that can be told without asking Dawn (Linux only):
 * no loader, a VK_ICD_FILENAMES naming no file, or no driver installed. Null when it might work.
 */
export function vulkanProblem(): string | null {
  if (process.platform !== "linux") return null;
  if (!libDirs().some((d) => existsSync(join(d, "libvulkan.so.1"))))
    return "the Vulkan loader libvulkan.so.1 is not installed (Debian: apt-get install libvulkan1)";
  const icd = icdFiles();
  if (icd.fromEnv !== null && icd.files.length === 0) return `${icd.fromEnv} names no existing Vulkan driver manifest`;
  if (icd.files.length === 0) return "no Vulkan driver (ICD) is installed: no GPU driver found";
  return null;
}

type Gpu = { requestAdapter(o?: object): Promise<any> };
let dawn: { gpu: Gpu; globals: Record<string, unknown> } | null = null;

/** Dawn's GPU object (created once per process; on Linux on the Vulkan backend). */
async function dawnGpu(): Promise<NonNullable<typeof dawn>> {
  if (dawn) return dawn;
  const mod = (await import("webgpu")) as unknown as { create(o: string[]): unknown; globals: object };
  const options = process.platform === "linux" ? ["backend=vulkan"] : [];
  dawn = { gpu: mod.create(options) as Gpu, globals: mod.globals as Record<string, unknown> };
  return dawn;
}

/** Ask Dawn for an adapter; null with the reason when there is none. */
export async function probeAdapter(): Promise<{ adapter: AdapterInfo | null; error: string | null }> {
  const problem = vulkanProblem();
  if (problem) return { adapter: null, error: problem };
  let gpu: Gpu;
  try {
    gpu = (await dawnGpu()).gpu;
  } catch (e) {
    return { adapter: null, error: `the webgpu package (Dawn) could not be loaded: ${(e as Error).message.split("\n")[0]}` };
  }
  let a: any;
  try {
    a = await gpu.requestAdapter({ powerPreference: "high-performance" });
  } catch (e) {
    return { adapter: null, error: `Dawn: ${(e as Error).message.split("\n")[0]}` };
  }
  if (!a) return { adapter: null, error: "Dawn found no usable adapter (drivers it refuses are listed above, e.g. lavapipe: 'shaderUniform*ArrayDynamicIndexing required')" };
  const i = a.info ?? {};
  return { adapter: { vendor: String(i.vendor ?? ""), architecture: String(i.architecture ?? ""), device: String(i.device ?? ""), description: String(i.description ?? ""), fallback: Boolean(i.isFallbackAdapter ?? a.isFallbackAdapter ?? false) }, error: null };
}

/**
 * Give jax-js the browser globals its WebGPU backend reads: `navigator.gpu`,
 * `navigator.userAgent` and the WebGPU constants (GPUBufferUsage, GPUMapMode, ...).
 */
async function installWebGpuGlobals(): Promise<void> {
  const d = await dawnGpu();
  const g = globalThis as any;
  for (const [k, v] of Object.entries(d.globals)) if (g[k] === undefined) g[k] = v;
  // src/node/threads.ts lends jax-js a `navigator` (for the pool size) and removes it again when
  // the pool starts its first worker: start the pool first, so it cannot take ours away.
  const t = wasmThreadsInfo();
  if (t.enabled && t.workersStarted === 0) {
    const { numpy: np } = await import("@jax-js/jax");
    await np.array([1, 2, 3], { device: "wasm" }).mul(7).data();
  }
  const nav = typeof g.navigator === "object" && g.navigator ? g.navigator : {};
  Object.defineProperty(nav, "gpu", { value: d.gpu, configurable: true, writable: true });
  if (typeof nav.userAgent !== "string") Object.defineProperty(nav, "userAgent", { value: `Node.js/${process.version.slice(1)} (ninr; Dawn webgpu)`, configurable: true, writable: true });
  if (g.navigator !== nav) Object.defineProperty(g, "navigator", { value: nav, configurable: true, writable: true });
}

/** Check a device name from a flag, a config key or NINR_DEVICE (`name` says which). */
export function checkDeviceKind(v: unknown, name: string): DeviceKind {
  return checkField(RUN_SCHEMA.device, v, name) as DeviceKind;
}

/** NINR_DEVICE if set (checked), else the schema's default: the device when no flag or config names one. */
export function defaultDeviceKind(): DeviceKind {
  const env = process.env.NINR_DEVICE;
  return env === undefined || env === "" ? RUN_SCHEMA.device.default : checkDeviceKind(env, "NINR_DEVICE");
}

/**
 * Make `kind` jax-js's default device for this process. Asking again for the same kind returns
 * the first answer (no second probe); asking for another kind switches the default (both
 * backends stay usable). `webgpu` without an adapter throws a one-line NinrError (why, and what
 * to install).
 * @returns the device chosen (for `auto`, with the reason when it is wasm)
 */
export async function setupDevice(kind: DeviceKind): Promise<DeviceChoice> {
  checkDeviceKind(kind, "device");
  const jax = await import("@jax-js/jax");
  if (active && requested === kind) {
    jax.defaultDevice(active.device);
    return active;
  }
  const choice = await choose(kind, jax);
  jax.defaultDevice(choice.device);
  requested = kind;
  return (active = choice);
}

let requested: DeviceKind | null = null;

async function choose(kind: DeviceKind, jax: typeof import("@jax-js/jax")): Promise<DeviceChoice> {
  if (kind === "wasm") return { device: "wasm" };
  if (active?.device === "webgpu") return active; // the backend is up already
  const { adapter, error } = await probeAdapter();
  if (!adapter) {
    if (kind === "auto") return { device: "wasm", reason: `no WebGPU adapter: ${error}` };
    throw new NinrError(`--device webgpu: no WebGPU adapter: ${error}; ${INSTALL_HINT}`);
  }
  if (kind === "auto" && isCpuAdapter(adapter)) return { device: "wasm", adapter, reason: `the only WebGPU adapter is a CPU one (${describeAdapter(adapter)}); --device webgpu would use it` };
  await installWebGpuGlobals();
  const ready = await jax.init("webgpu");
  if (!ready.includes("webgpu")) {
    const why = `jax-js could not create a WebGPU device on ${describeAdapter(adapter)} (its error is printed above)`;
    if (kind === "auto") return { device: "wasm", adapter, reason: why };
    throw new NinrError(`--device webgpu: ${why}`);
  }
  return { device: "webgpu", adapter };
}

/**
 * For a computing CLI verb: set up `kind`, say on stderr what `auto` chose or that WebGPU runs
 * on a CPU adapter, and pass the choice on to forked sweep workers (they inherit NINR_DEVICE).
 */
export async function useDevice(kind: DeviceKind, log: (line: string) => void = (l) => process.stderr.write(l + "\n")): Promise<DeviceChoice> {
  const c = await setupDevice(kind);
  if (kind === "auto") log(`device: auto -> ${c.device}${c.adapter && c.device === "webgpu" ? ` (${describeAdapter(c.adapter)})` : ""}${c.reason ? ` (${c.reason})` : ""}`);
  else if (c.device === "webgpu" && c.adapter && isCpuAdapter(c.adapter)) log(`device: webgpu on ${describeAdapter(c.adapter)}`);
  process.env.NINR_DEVICE = c.device;
  return c;
}

/**
 * For a sweep worker: set up the job's device (its config's `device`, else the sweep's, which the
 * parent passes down as NINR_DEVICE) and return the job with that device in its config. Sweep
 * configs leave the device out so their hashes do not depend on it; call this after the hash check.
 */
export async function jobOnDevice(job: Job): Promise<Job> {
  const spec = job.spec as { config?: Record<string, unknown> };
  const asked = spec.config?.device;
  const { device } = await setupDevice(asked === undefined ? defaultDeviceKind() : checkDeviceKind(asked, "config 'device'"));
  if (!spec.config || asked !== undefined) return job;
  return { ...job, spec: { ...spec, config: { ...spec.config, device } } } as Job;
}
