import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeCaloFile } from "../../src/data/calo/file.ts";
import { ninr } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "ninr-calo-"));
const file = join(dir, "c.safetensors");

describe("ninr calo", () => {
  it("generate writes images, labels and the generator config; inspect writes the shower-shape table and plots", async () => {
    const g = await ninr("calo", "generate", "--n", "60", "--domain", "shifted", "--seed", "3", "--out", file);
    expect(g.stderr).toBe("");
    expect(g.status).toBe(0);
    const f = decodeCaloFile(readFileSync(file), file);
    expect(f.n).toBe(60);
    expect(f.config.domain).toBe("shifted");
    expect(f.config.pileupMu).toBe(6);
    expect(f.seed).toBe(3);
    const out = join(dir, "insp");
    const r = await ninr("calo", "inspect", file, "--out", out);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/rHad/);
    const files = readdirSync(out);
    for (const k of ["rEta", "rPhi", "wEta2", "rHad"]) expect(files).toContain(`shower_${k}.svg`);
    const json = JSON.parse(readFileSync(join(out, "shower_shapes.json"), "utf8"));
    expect(json.synthetic).toBe(true);
    expect(json.rows.map((x: { shape: string }) => x.shape)).toEqual(["rEta", "rPhi", "wEta2", "rHad"]);
  }, 180_000);

  it.each([
    [["--noise-scale", "-0.5"], /--noise-scale.*-0\.5/],
    [["--pileup-mu", "-2"], /--pileup-mu.*-2/],
    [["--window", "512"], /--window.*512/],
  ])("generate %o exits 2 naming the value and writes nothing", async (flags, re) => {
    const out = join(dir, `bad-${flags[0]}.safetensors`);
    const r = await ninr("calo", "generate", "--n", "4", ...flags, "--out", out);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(re);
    expect(existsSync(out)).toBe(false);
  }, 90_000);

  it("inspect of a truncated or corrupt file exits 2 with one line and writes nothing", async () => {
    const bytes = readFileSync(file);
    const trunc = join(dir, "trunc.safetensors");
    writeFileSync(trunc, bytes.subarray(0, bytes.length - 100));
    const garbage = join(dir, "garbage.safetensors");
    writeFileSync(garbage, Buffer.from("not a safetensors file at all"));
    for (const p of [trunc, garbage]) {
      const out = join(dir, `out-${p.length}`);
      const r = await ninr("calo", "inspect", p, "--out", out);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(p);
      expect(r.stderr).toMatch(/ninr calo generate/); // the fix for a data file, not "re-run training"
      expect(existsSync(out)).toBe(false);
    }
  }, 90_000);

  it("detector with a model width of 0 exits 2 naming the value and writes nothing", async () => {
    const out = join(dir, "det-bad");
    const r = await ninr("detector", "--preset", "smoke", "--width", "0", "--out", out);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/--width.*0/);
    expect(existsSync(out)).toBe(false);
  }, 90_000);
});
