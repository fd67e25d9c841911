/**
 * Locating and reading Fashion-MNIST's files (Node-only; the conversion is src/data/fashion.ts).
 *
 * The four IDX files are read gzip-compressed (`*.gz`, as distributed) or un-gzipped.
 * Search order, first folder holding all four wins:
 *   1. the explicit `dataDir` option (`--data DIR`) — if given, ONLY that folder is tried;
 *   2. `$NINR_DATA`;
 *   3. `~/.cache/ninr/fashion-mnist`;
 *   4. `/usr/share/datasets/fashion-mnist` (Debian package `dataset-fashion-mnist`).
 * A small class-balanced sample (1000 train / 500 test) ships in `data/sample/` for demos and
 * tests on machines without the full set (`loadBundledSample`, `loadDataset({allowSample})`).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { Dataset, Split } from "../../data/dataset.ts";
import { fashionDataset, splitFromIdx } from "../../data/fashion.ts";
import { NinrError } from "../../errors.ts";

/** Base names of the four files, without `.gz`. */
export const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

export const DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

/** Folder of the bundled sample, resolved from this module's location (works from any cwd). */
export const SAMPLE_DIR = fileURLToPath(new URL("../../../data/sample/", import.meta.url));

const FIX =
  "install the full set with `apt-get install dataset-fashion-mnist` " +
  "(files go to /usr/share/datasets/fashion-mnist), or put the four files " +
  "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) " +
  "in a folder and pass `--data DIR` or set NINR_DATA=DIR";

/** Raised when no folder holds the data; `loadDataset` falls back to the sample only on this. */
export class DataNotFoundError extends NinrError {
  constructor(message: string) {
    super(message);
    this.name = "DataNotFoundError";
  }
}

/** The folders searched, in order (see the module comment). */
export function searchDirs(opts: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): string[] {
  if (opts.dataDir !== undefined) return [opts.dataDir];
  const env = opts.env ?? process.env;
  const dirs: string[] = [];
  if (env.NINR_DATA) dirs.push(env.NINR_DATA);
  dirs.push(join(env.HOME || homedir(), ".cache", "ninr", "fashion-mnist"));
  dirs.push(DEBIAN_DIR);
  return dirs;
}

/**
 * Path of `base.gz` or `base` in `dir`, whichever exists (gzip preferred), else null. Something
 * by that name that is not a regular file (a folder, a FIFO, a device) is an error: reading a
 * FIFO would wait forever.
 */
function findFile(dir: string, base: string): string | null {
  for (const name of [base + ".gz", base]) {
    const p = join(dir, name);
    if (!existsSync(p)) continue;
    if (!statSync(p).isFile()) throw new NinrError(`${p} is not a regular file (a folder, FIFO or device); remove it or point --data at the folder with the real files`);
    return p;
  }
  return null;
}

type Located = { dir: string; paths: Record<keyof typeof FILES, string> };

/**
 * The first of `dirs` holding all four files. Throws `DataNotFoundError` listing every folder
 * tried and what was missing there.
 */
export function locate(dirs: string[], explicit = false): Located {
  const report: string[] = [];
  for (const dir of dirs) {
    const paths: Partial<Record<keyof typeof FILES, string>> = {};
    const missing: string[] = [];
    for (const key of Object.keys(FILES) as (keyof typeof FILES)[]) {
      const p = findFile(dir, FILES[key]);
      if (p) paths[key] = p;
      else missing.push(FILES[key] + "[.gz]");
    }
    if (missing.length === 0) return { dir, paths: paths as Located["paths"] };
    report.push(
      !existsSync(dir)
        ? `${dir} (does not exist)`
        : missing.length === 4
          ? `${dir} (no Fashion-MNIST files)`
          : `${dir} (missing ${missing.join(", ")})`,
    );
  }
  if (explicit) {
    throw new DataNotFoundError(
      `Fashion-MNIST not found in the data folder given (--data / dataDir): ${report.join("; ")}. ` +
        `Put the four files there, or point --data at the right folder, or drop --data to search the defaults. ` +
        `To get the data: ${FIX}`,
    );
  }
  throw new DataNotFoundError(`Fashion-MNIST not found; searched: ${report.join("; ")}. To fix: ${FIX}`);
}

/**
 * The most bytes a data file may hold, on disk or decompressed: 4x Fashion-MNIST's largest
 * (train images, 47 MB), so a gzip bomb or a huge file stops with an error instead of
 * allocating gigabytes.
 */
export const MAX_DATA_FILE_BYTES = 192 * 2 ** 20;

const tooLarge = (path: string, what: string) =>
  new NinrError(`${path} ${what} more than ${MAX_DATA_FILE_BYTES} bytes (the data-file limit); it is not a Fashion-MNIST IDX file`);

/** Read a file, gunzipping when it is gzip data (by magic bytes, whatever its name). */
function readMaybeGzip(path: string): Uint8Array {
  if (statSync(path).size > MAX_DATA_FILE_BYTES) throw tooLarge(path, "holds");
  const raw = readFileSync(path);
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      const out = gunzipSync(bytes, { maxOutputLength: MAX_DATA_FILE_BYTES });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(path, "decompresses to");
      throw new NinrError(
        `${path} is not a valid gzip file (${(e as Error).message}); it is probably truncated or corrupt; ` +
          `re-download / reinstall it (e.g. \`apt-get install --reinstall dataset-fashion-mnist\`)`,
      );
    }
  }
  if (path.endsWith(".gz")) {
    throw new NinrError(
      `${path} is not gzip data (no gzip magic 1f 8b); re-download / reinstall it, or remove the .gz suffix if it is already decompressed`,
    );
  }
  return bytes;
}

/** Load and validate one images/labels pair as a `Split`. */
export function loadSplit(imagesPath: string, labelsPath: string): Split {
  const split = splitFromIdx(readMaybeGzip(imagesPath), readMaybeGzip(labelsPath), imagesPath, labelsPath);
  // A well-formed file of zero images is still no data to train on or to test with.
  if (split.n === 0) throw new NinrError(`${imagesPath} and ${labelsPath} hold no images (0 in the IDX header); re-download / reinstall the data`);
  return split;
}

function loadDir(loc: Located, source: "full" | "sample"): Dataset {
  return fashionDataset(loadSplit(loc.paths.trainImages, loc.paths.trainLabels), loadSplit(loc.paths.testImages, loc.paths.testLabels), source, loc.dir);
}

/**
 * Load the full Fashion-MNIST from the first folder in the search order that holds it.
 * Throws `DataNotFoundError` (a `NinrError`) when none does, `NinrError` naming the file when
 * a file is corrupt (bad gzip, bad magic, truncated, count mismatch, label outside 0..9).
 */
export function loadFashionMnist(opts: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Dataset {
  return loadDir(locate(searchDirs(opts), opts.dataDir !== undefined), "full");
}

/** The class-balanced sample shipped in `data/sample/` (1000 train, 500 test images). */
export function loadBundledSample(): Dataset {
  let loc: Located;
  try {
    loc = locate([SAMPLE_DIR]);
  } catch {
    throw new NinrError(
      `the bundled Fashion-MNIST sample is missing from ${SAMPLE_DIR}; ` +
        `regenerate it with \`npx tsx scripts/make-sample.ts\` (needs the full set) or reinstall ninr`,
    );
  }
  return loadDir(loc, "sample");
}

/**
 * The full set when found; otherwise the bundled sample if `allowSample` (`source: "sample"`),
 * else the not-found error. Only "not found" falls back: a corrupt full set, or an explicit
 * `dataDir` that lacks the files, still throws, since the user pointed at that data.
 */
export function loadDataset(opts: { dataDir?: string; allowSample: boolean; env?: NodeJS.ProcessEnv }): Dataset {
  try {
    return loadFashionMnist(opts);
  } catch (e) {
    if (opts.allowSample && opts.dataDir === undefined && e instanceof DataNotFoundError) {
      return loadBundledSample();
    }
    throw e;
  }
}
