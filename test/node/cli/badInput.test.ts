/**
 * Bad input to `ninr train`: a one-line error, exit 2, and nothing written — checked before any
 * data is loaded or anything computed.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ninr } from "../../helpers/cli.ts";

const TINY = ["--widths", "784,8,10", "--train-size", "100", "--batch", "50", "--epochs", "1", "--quiet", "--no-curvature"];

async function refused(args: string[], pattern: RegExp) {
  const r = await ninr("train", ...args);
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  return r;
}

describe("ninr train refuses bad input cleanly", () => {
  const dir = mkdtempSync(join(tmpdir(), "ninr-bad-"));

  it.each([
    [["--sigma", "0x10"], /--sigma must be a number in decimal notation/],
    [["--epochs", "1e300"], /--epochs must be <= 100000/],
    [["--widths", "784,100000000,10"], /--widths must be <= 65536|integers from 1 to 65536/],
    [["--train-size", "99999999"], /--train-size 99999999 is larger than the \d+ training images/],
    [["--batch", "60000"], /--batch 60000 is larger than the \d+ training images/],
  ])("flag %j", async (args, pattern) => {
    const out = join(dir, `o-${Math.random()}`);
    await refused([...TINY, ...(args as string[]), "--out", out], pattern);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ["null", /--config: .* must hold a JSON object/],
    ["42", /--config: .* must hold a JSON object/],
    ['{"lr": null}', /config 'lr' is null/],
    ['{"__proto__": {"lr": 1}}', /unknown config key '__proto__'/],
    ['{"toString": 1}', /unknown config key 'toString'/],
  ])("--config holding %s", async (text, pattern) => {
    const f = join(dir, `c-${Math.random()}.json`);
    writeFileSync(f, text);
    const out = join(dir, `o-${Math.random()}`);
    await refused(["--config", f, "--out", out], pattern);
    expect(existsSync(out)).toBe(false);
  });

  it("--out that is a file, empty, or under a file", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    await refused([...TINY, "--out", file], /--out .*a-file exists and is not a folder/);
    await refused([...TINY, "--out", ""], /--out must name a folder, got an empty path/);
    await refused([...TINY, "--out", join(file, "sub")], /--out .* cannot be created \(ENOTDIR\)/);
    await refused([...TINY, "--out", "/dev/null"], /--out \/dev\/null exists and is not a folder/);
  });

  it("a FIFO or a folder named like a data file is an error, not a hang or a stack", async () => {
    const data = join(dir, "data");
    mkdirSync(data);
    execFileSync("mkfifo", [join(data, "train-images-idx3-ubyte.gz")]);
    mkdirSync(join(data, "train-labels-idx1-ubyte.gz"));
    const out = join(dir, "o-fifo");
    await refused([...TINY, "--data", data, "--out", out], /is not a regular file \(a folder, FIFO or device\)/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith(".")).length).toBe(0);
  });
});
