/**
 * Pure parser / encoder for IDX files, the format Fashion-MNIST ships in (docs/method.md §4, data).
 * No I/O here: callers read (and gunzip) the bytes and pass a `name` used in error messages.
 *
 * Layout (big-endian): bytes 0..1 are zero, byte 2 is the element type (0x08 = unsigned byte,
 * the only type Fashion-MNIST uses and the only one supported), byte 3 is the number of
 * dimensions; then one uint32 per dimension; then the elements in row-major order.
 * Labels files are 1-D `[n]`, image files are 3-D `[n, rows, cols]`.
 */
import { NinrError } from "../errors.ts";

export type Idx = {
  /** Dimension sizes from the header, e.g. `[60000, 28, 28]` or `[60000]`. */
  dims: number[];
  /** Row-major elements; a view into the input bytes (no copy), length = product of dims. */
  data: Uint8Array;
};

const UBYTE = 0x08;
const REFETCH = "re-download / reinstall it (e.g. `apt-get install --reinstall dataset-fashion-mnist`)";

/**
 * Parse an unsigned-byte IDX file. Throws `NinrError` naming `name` when the magic is wrong,
 * the rank is not 1 or 3, or the byte length does not match the header exactly.
 */
export function parseIdx(bytes: Uint8Array, name: string): Idx {
  if (bytes.length < 4) {
    throw new NinrError(
      `${name} is not an IDX file: it has only ${bytes.length} bytes (an IDX header needs at least 4); ${REFETCH}`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UBYTE) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => "0x" + b.toString(16).padStart(2, "0")).join(" ");
    throw new NinrError(
      `${name} has a bad IDX magic number ${magic} (expected 0x00 0x00 0x08 <ndim> for unsigned-byte data); ` +
        `it is not a Fashion-MNIST IDX file or is corrupt; ${REFETCH}`,
    );
  }
  const ndim = bytes[3];
  if (ndim !== 1 && ndim !== 3) {
    throw new NinrError(
      `${name} has ${ndim} dimensions in its IDX header; expected 1 (labels) or 3 (images); ${REFETCH}`,
    );
  }
  const headerLen = 4 + 4 * ndim;
  if (bytes.length < headerLen) {
    throw new NinrError(
      `${name} is truncated: its IDX header needs ${headerLen} bytes but the file has ${bytes.length} bytes; ${REFETCH}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerLen + count;
  if (bytes.length !== expected) {
    const what =
      ndim === 3 ? `${dims[0]} images of ${dims[1]}x${dims[2]}` : `${dims[0]} labels`;
    const problem = bytes.length < expected ? "is truncated" : "has trailing bytes";
    throw new NinrError(
      `${name} ${problem}: header says ${what} (${expected} bytes) but file has ${bytes.length} bytes; ${REFETCH}`,
    );
  }
  return { dims, data: bytes.subarray(headerLen) };
}

/**
 * Encode an unsigned-byte IDX file (used to write the bundled sample, and by tests).
 * `data.length` must equal the product of `dims`; `dims` has 1 to 255 entries.
 */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  if (dims.length < 1 || dims.length > 255) throw new RangeError(`encodeIdx: bad rank ${dims.length}`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`encodeIdx: dims [${dims.join(", ")}] hold ${count} elements but data has ${data.length}`);
  }
  const headerLen = 4 + 4 * dims.length;
  const out = new Uint8Array(headerLen + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) throw new RangeError(`encodeIdx: bad dim ${d}`);
    view.setUint32(4 + 4 * i, d, false);
  });
  out.set(data, headerLen);
  return out;
}
