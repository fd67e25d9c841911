/**
 * Multi-threaded Wasm kernels for jax-js under Node.
 *
 * jax-js's Wasm backend runs kernels on a pool of Web Workers over a shared WebAssembly.Memory,
 * but only when `typeof SharedArrayBuffer !== "undefined" && typeof Worker !== "undefined"`.
 * Node has `SharedArrayBuffer` but no global `Worker`, so jax-js is single-threaded there.
 * `enableWasmThreads()` installs a browser-compatible global `Worker` built on
 * `node:worker_threads` (just what the jax-js pool uses: `new Worker(blobURL)`, `postMessage`,
 * `onmessage`, `onerror`, `terminate`) and sets `navigator.hardwareConcurrency`, which jax-js
 * reads as the pool size.
 *
 * CALL IT BEFORE jax-js IS LOADED. jax-js builds its Wasm backend (and decides shared memory vs
 * not, pool vs not) when the `@jax-js/jax` module is first evaluated, i.e. at import time, not at
 * the first array op. With static ESM imports everything imported is evaluated before the
 * importing module's body runs, so the call must come before a *dynamic* import of the code that
 * uses jax-js:
 *
 *     import { enableWasmThreads } from "./engine/threads.ts"; // imports no jax-js
 *     enableWasmThreads();
 *     await import("./cli/main.ts");                            // jax-js is loaded here
 *
 * Called too late (jax-js already loaded), it would break jax-js: its backend memory is not
 * shared, yet every kernel compiled afterwards declares a shared memory import, so instantiation
 * fails with a LinkError. `verifyWasmThreads()` detects this by running a tiny kernel, and if it
 * finds that state it removes the global `Worker` again (jax-js then works single-threaded, as
 * before) and says so.
 *
 * What runs on the pool: only work dispatched through jax-js's async path (`await x.data()`,
 * `await x.blockUntilReady()`, `jsAsync()`). The sync readers (`dataSync()`, `js()`, `item()`)
 * compile and run their pending kernels on the main thread, which works as long as nothing they
 * touch still has pool work in flight. That is NOT guaranteed right after an `await`:
 * `await loss.data()` returns once `loss` is computed, while kernels jax-js queued after it (the
 * parameter updates of the same jitted step) may still be running. A sync read then throws
 * "cannot read synchronously from a slot with async work" (harmless) or "cannot dispatch
 * synchronously with pending async work" -- and the latter leaves the kernel it failed on marked
 * as run, so every later result that depends on it is silently wrong. Before any sync read after
 * async work, `await wasmThreadsIdle()` (or `await y.blockUntilReady()` on everything involved).
 * Code that only reads with `await x.data()` needs nothing.
 *
 * Results are bit-identical to single-threaded jax-js: the pool splits each kernel's output range
 * across workers, it does not change any reduction order.
 *
 * The worker threads do not keep the process alive while idle: each is ref'd only while it has
 * requests outstanding (jax-js's pool answers every message with exactly one reply), so a CLI
 * exits normally when its work is done, yet an `await x.data()` cannot be cut short by the event
 * loop running dry while a kernel is in flight.
 */
import os from "node:os";
import { resolveObjectURL } from "node:buffer";
import { Worker as NodeWorker } from "node:worker_threads";

/** Runs in each worker thread before the blob's source: the Web Worker globals jax-js's script uses. */
const PRELUDE = `{
  const { parentPort } = require("node:worker_threads");
  globalThis.self = globalThis;
  globalThis.postMessage = (message, transfer) => parentPort.postMessage(message, transfer);
  parentPort.on("message", (data) => {
    const handler = globalThis.onmessage;
    if (typeof handler === "function") handler.call(globalThis, { data, target: globalThis });
  });
}
`;

type Listener = (ev: any) => void;

let installed = false;
let threadCount = 0;
let workersStarted = 0;
/** How to undo the navigator change (pending until jax-js has read it). */
let savedNavigator: { definedGlobal: boolean; desc?: PropertyDescriptor; hcDesc?: PropertyDescriptor } | null = null;
let disabledReason: string | null = null;
/** Requests posted to all shim workers and not yet answered (see `wasmThreadsIdle`). */
let totalOutstanding = 0;
const idleWaiters = new Set<() => void>();
function settle(n: number) {
  totalOutstanding -= n;
  if (totalOutstanding === 0 && idleWaiters.size) {
    for (const w of idleWaiters) w();
    idleWaiters.clear();
  }
}

/** A Web Worker (the subset jax-js uses) backed by a `node:worker_threads` Worker. */
export class NodeWebWorker {
  onmessage: Listener | null = null;
  onerror: Listener | null = null;
  onmessageerror: Listener | null = null;
  #listeners = new Map<string, Set<Listener>>();
  #thread: NodeWorker | null = null;
  #queue: [unknown, readonly unknown[] | undefined][] = [];
  #terminated = false;
  /** Set when the thread could not start or died: later requests fail at once. */
  #dead: Error | null = null;
  /** Messages posted minus replies received: the thread is ref'd while this is > 0. */
  #outstanding = 0;

  constructor(url: string | URL, _options?: { type?: string; name?: string }) {
    restoreNavigator(); // jax-js has read the pool size by now (see restoreNavigator)
    const href = String(url);
    let source: Promise<string>;
    if (href.startsWith("blob:")) {
      const blob = resolveObjectURL(href);
      source = blob ? blob.text() : Promise.reject(new Error(`Worker: unknown or revoked blob URL ${href}`));
    } else if (href.startsWith("data:")) {
      source = fetch(href).then((r) => r.text());
    } else {
      source = Promise.reject(new Error(`Worker: only blob: and data: URLs are supported, got ${href}`));
    }
    source.then(
      (text) => this.#start(text),
      (err) => {
        this.#queue = [];
        this.#dead = err instanceof Error ? err : new Error(String(err));
        this.#emitError(err);
        this.#failOutstanding(err);
      },
    );
  }

  #start(text: string) {
    if (this.#terminated) return;
    // execArgv: [] keeps loaders such as tsx out of the kernel threads (faster start, no hooks).
    const t = new NodeWorker(PRELUDE + text, { eval: true, execArgv: [] });
    this.#thread = t;
    workersStarted++;
    t.on("message", (data) => {
      if (this.#outstanding > 0) {
        if (--this.#outstanding === 0) t.unref();
        settle(1);
      }
      this.#emit("message", { type: "message", data, target: this });
    });
    t.on("messageerror", (error) => this.#emit("messageerror", { type: "messageerror", data: error, target: this }));
    t.on("error", (err) => {
      this.#dead = err;
      this.#emitError(err);
      this.#failOutstanding(err);
    });
    t.on("exit", (code) => {
      this.#thread = null;
      if (this.#terminated) return;
      const err = new Error(`Wasm worker thread exited with code ${code}`);
      if (!this.#dead && code !== 0) this.#emitError(err);
      this.#dead ??= err;
      this.#failOutstanding(err);
    });
    const queued = this.#queue;
    this.#queue = [];
    if (this.#outstanding > 0) t.ref();
    else t.unref();
    for (const [msg, transfer] of queued) t.postMessage(msg, transfer as any);
  }

  /**
   * The thread died with requests unanswered: answer each the way jax-js's worker reports a
   * failed job, so the pending `await x.data()` rejects instead of never settling.
   */
  #failOutstanding(err: unknown) {
    const n = this.#outstanding;
    this.#outstanding = 0;
    settle(n);
    this.#thread?.unref();
    for (let i = 0; i < n; i++) {
      this.#emit("message", { type: "message", data: { type: "done", ok: false, error: `worker thread died: ${String(err)}` }, target: this });
    }
  }

  postMessage(message: unknown, transfer?: readonly unknown[] | { transfer?: readonly unknown[] }) {
    if (this.#terminated) return;
    if (this.#dead) {
      const err = this.#dead;
      queueMicrotask(() => this.#emit("message", { type: "message", data: { type: "done", ok: false, error: `worker thread died: ${String(err)}` }, target: this }));
      return;
    }
    const list = Array.isArray(transfer) ? transfer : (transfer as { transfer?: readonly unknown[] } | undefined)?.transfer;
    totalOutstanding++;
    const first = this.#outstanding++ === 0;
    if (this.#thread) {
      if (first) this.#thread.ref();
      this.#thread.postMessage(message, list as any);
    } else this.#queue.push([message, list]);
  }

  terminate() {
    this.#terminated = true;
    settle(this.#outstanding);
    this.#outstanding = 0;
    this.#queue = [];
    void this.#thread?.terminate();
    this.#thread = null;
  }

  addEventListener(type: string, fn: Listener) {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(fn);
  }

  removeEventListener(type: string, fn: Listener) {
    this.#listeners.get(type)?.delete(fn);
  }

  #emitError(err: unknown) {
    const error = err instanceof Error ? err : new Error(String(err));
    this.#emit("error", { type: "error", message: error.message, error, target: this, preventDefault() {} });
  }

  #emit(type: string, ev: any) {
    const prop = type === "message" ? this.onmessage : type === "error" ? this.onerror : this.onmessageerror;
    if (prop) prop.call(this, ev);
    for (const fn of this.#listeners.get(type) ?? []) fn.call(this, ev);
    if (type === "error" && !prop && !this.#listeners.get(type)?.size) {
      // Nobody listens: do not swallow it.
      process.emitWarning(`jax-js Wasm worker error: ${ev.message}`);
    }
  }
}

/**
 * Make jax-js's Wasm backend run kernels on `n` worker threads. Call once, at process start,
 * BEFORE `@jax-js/jax` is imported (see the module comment). Idempotent. Does nothing and returns
 * false if the platform has no SharedArrayBuffer or a global `Worker` already exists (e.g. a
 * runtime with real Web Workers: jax-js already uses them there).
 * @param n pool size (default: os.availableParallelism()). The first successful call's n wins.
 *   n = 1 runs every kernel on one worker thread (about the speed of no pool: the per-kernel
 *   message round trip, ~50 us, is offset by the main thread's JS overlapping the kernels);
 *   callers wanting "off" should simply not call this.
 * @returns whether the shim is installed (this call or an earlier one)
 */
export function enableWasmThreads(n: number = os.availableParallelism()): boolean {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`enableWasmThreads: n must be a positive integer, got ${n}`);
  if (installed) return true;
  if (typeof SharedArrayBuffer === "undefined") return false;
  const g = globalThis as any;
  if (typeof g.Worker !== "undefined") return false;
  g.Worker = NodeWebWorker;
  // jax-js sizes its pool as `navigator.hardwareConcurrency || 4` (Node 20 has no navigator).
  if (typeof g.navigator === "undefined") {
    savedNavigator = { definedGlobal: true, desc: Object.getOwnPropertyDescriptor(g, "navigator") };
    Object.defineProperty(g, "navigator", { value: { hardwareConcurrency: n }, configurable: true, writable: true });
  } else {
    savedNavigator = { definedGlobal: false, hcDesc: Object.getOwnPropertyDescriptor(g.navigator, "hardwareConcurrency") };
    Object.defineProperty(g.navigator, "hardwareConcurrency", { value: n, configurable: true });
  }
  installed = true;
  threadCount = n;
  disabledReason = null;
  return true;
}

/**
 * Undo the navigator change. jax-js reads `navigator.hardwareConcurrency` once, when it builds
 * its backend (at import); the pool's first `new Worker()` comes later, so that is where this
 * runs: a browser-looking `navigator` global does not linger for other libraries to trip over.
 */
function restoreNavigator() {
  const s = savedNavigator;
  if (!s) return;
  savedNavigator = null;
  const g = globalThis as any;
  if (s.definedGlobal) {
    if (s.desc) Object.defineProperty(g, "navigator", s.desc);
    else delete g.navigator;
  } else if (g.navigator) {
    if (s.hcDesc) Object.defineProperty(g.navigator, "hardwareConcurrency", s.hcDesc);
    else delete g.navigator.hardwareConcurrency;
  }
}

/** Remove the shim again (for `verifyWasmThreads` when called too late; harmless otherwise). */
function uninstall(reason: string) {
  const g = globalThis as any;
  if (g.Worker === NodeWebWorker) delete g.Worker;
  restoreNavigator();
  installed = false;
  threadCount = 0;
  disabledReason = reason;
}

/** Whether the Worker shim is installed (jax-js will use a pool of `wasmThreadsInfo().threads`). */
export function wasmThreadsEnabled(): boolean {
  return installed;
}

export type WasmThreadsInfo = {
  /** Shim installed. */
  enabled: boolean;
  /** Pool size requested (0 when not enabled). */
  threads: number;
  /** Worker threads started so far (jax-js starts its pool at the first async dispatch). */
  workersStarted: number;
  /** Why the shim was removed again, if it was. */
  disabledReason: string | null;
};

export function wasmThreadsInfo(): WasmThreadsInfo {
  return { enabled: installed, threads: threadCount, workersStarted, disabledReason };
}

/**
 * Resolves once the pool has no kernel in flight (immediately when threads are off). After it,
 * sync reads (`dataSync()`, `js()`, `item()`) are safe again. Needed because `await a.data()`
 * returns as soon as `a` is computed, while kernels that jax-js queued after it (e.g. the
 * parameter updates of the same jitted step) may still be running; a sync read touching those
 * throws, and a sync *dispatch* that throws leaves its kernel marked as run, corrupting later
 * results (see the module comment).
 */
export async function wasmThreadsIdle(): Promise<void> {
  for (;;) {
    if (totalOutstanding > 0) await new Promise<void>((r) => idleWaiters.add(r));
    // The pool posts its next job from a promise callback; after a macrotask turn every such
    // callback has run, so still zero means idle.
    await new Promise<void>((r) => setImmediate(r));
    if (totalOutstanding === 0) return;
  }
}

/**
 * Check that jax-js actually runs on the pool: imports jax-js (loading it if nobody has yet) and
 * computes a tiny kernel through the async path. Returns the info; `workersStarted > 0` means
 * the pool is live. If jax-js had been loaded before `enableWasmThreads()`, the kernel fails to
 * link; the shim is then removed (jax-js keeps working single-threaded) and `disabledReason`
 * says why. Call it right after loading jax-js, before other jax-js work: a kernel compiled
 * while in the too-late state stays cached in a form that cannot link.
 */
export async function verifyWasmThreads(): Promise<WasmThreadsInfo> {
  if (!installed) return wasmThreadsInfo();
  const { numpy: np } = await import("@jax-js/jax");
  // An odd shape and constant, so the probe kernel is not one the program itself will reuse
  // (a kernel compiled during a too-late probe stays cached in its broken form).
  const a = np.full([1031], 0.8125);
  try {
    const v = (await a.mul(1.3046875).add(0.0078125).data()) as Float32Array;
    if (Math.abs(v[0] - (0.8125 * 1.3046875 + 0.0078125)) > 1e-6) throw new Error(`probe computed ${v[0]}`);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/shared|LinkError|memory/i.test(msg) || err instanceof WebAssembly.LinkError) {
      uninstall(`enableWasmThreads() was called after jax-js had been loaded (${msg}); running single-threaded`);
      return wasmThreadsInfo();
    }
    throw err;
  }
  return wasmThreadsInfo();
}
