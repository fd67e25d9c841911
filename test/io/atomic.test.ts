/**
 * The atomic writer: parent folders, full content, no temp files left, overwrites, and a reader
 * in another thread never seeing a partial file while 5 MB files are rewritten under it.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { writeFileAtomic, writeJsonAtomic } from "../../src/node/atomic.ts";

const root = mkdtempSync(join(tmpdir(), "ninr-atomic-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, `case${n++}`);
  mkdirSync(d);
  return d;
};

describe("writeFileAtomic", () => {
  it("creates parent folders and writes the full content", () => {
    const path = join(freshDir(), "a", "b", "c", "out.txt");
    writeFileAtomic(path, "hello\nworld");
    expect(readFileSync(path, "utf8")).toBe("hello\nworld");
  });

  it("writes bytes as given", () => {
    const path = join(freshDir(), "out.bin");
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    writeFileAtomic(path, bytes);
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
  });

  it("leaves no temp file behind", () => {
    const dir = freshDir();
    for (let i = 0; i < 5; i++) writeFileAtomic(join(dir, "x.json"), `${i}`);
    writeFileAtomic(join(dir, "y.txt"), "y");
    expect(readdirSync(dir).sort()).toEqual(["x.json", "y.txt"]);
  });

  it("overwrites an existing file, longer or shorter", () => {
    const path = join(freshDir(), "f.txt");
    writeFileSync(path, "old content that is fairly long");
    writeFileAtomic(path, "new");
    expect(readFileSync(path, "utf8")).toBe("new");
    writeFileAtomic(path, "newer and longer than before");
    expect(readFileSync(path, "utf8")).toBe("newer and longer than before");
  });

  it("a concurrent reader only ever sees a whole old or whole new file", async () => {
    const dir = freshDir();
    const path = join(dir, "big.txt");
    const N = 5 * 1024 * 1024;
    // Generation g is N copies of one letter, so a whole file is exactly one letter repeated.
    const content = (g: number) => String.fromCharCode(65 + (g % 26)).repeat(N);
    writeFileAtomic(path, content(0));

    // The reader runs in a worker thread (truly concurrent with these synchronous writes) and
    // stops when the shared flag is set.
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const reader = new Worker(
      `
      const { readFileSync } = require("node:fs");
      const { parentPort, workerData: { path, N, stop } } = require("node:worker_threads");
      let reads = 0, bad = 0, firstBad = null;
      const seen = new Set();
      parentPort.postMessage("ready");
      while (Atomics.load(stop, 0) === 0) {
        const s = readFileSync(path, "latin1");
        reads++;
        if (s.length === N && s === s[0].repeat(N)) seen.add(s[0]);
        else if (bad++ === 0) firstBad = { length: s.length, head: s.slice(0, 1), tail: s.slice(-1) };
      }
      parentPort.postMessage({ reads, bad, firstBad, seen: [...seen] });
      `,
      { eval: true, workerData: { path, N, stop } },
    );
    const messages: unknown[] = [];
    const done = new Promise<{ reads: number; bad: number; firstBad: unknown; seen: string[] }>((resolve, reject) => {
      reader.on("message", (m) => (m === "ready" ? messages.push(m) : resolve(m)));
      reader.on("error", reject);
    });
    while (messages.length === 0) await new Promise((r) => setTimeout(r, 5));

    for (let g = 1; g <= 40; g++) writeFileAtomic(path, content(g));
    await new Promise((r) => setTimeout(r, 20)); // let the reader see the last generation
    Atomics.store(stop, 0, 1);
    const r = await done;
    await reader.terminate();

    expect(r.bad, `partial read: ${JSON.stringify(r.firstBad)}`).toBe(0);
    expect(r.reads).toBeGreaterThan(5);
    expect(r.seen.length).toBeGreaterThan(1); // the reads did overlap the rewrites
    expect(readFileSync(path, "latin1")).toBe(content(40));
    expect(readdirSync(dir)).toEqual(["big.txt"]);
  });
});

describe("writeJsonAtomic", () => {
  it("writes 2-space JSON with a trailing newline", () => {
    const path = join(freshDir(), "sub", "v.json");
    const value = { a: 1, b: [1, "two"], c: { d: null } };
    writeJsonAtomic(path, value);
    const text = readFileSync(path, "utf8");
    expect(text).toBe('{\n  "a": 1,\n  "b": [\n    1,\n    "two"\n  ],\n  "c": {\n    "d": null\n  }\n}\n');
    expect(JSON.parse(text)).toEqual(value);
    expect(readdirSync(join(path, ".."))).toEqual(["v.json"]);
  });
});
