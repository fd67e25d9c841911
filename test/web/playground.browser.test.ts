/**
 * The playground in a real browser: Debian's chromium (never a downloaded one) driven headless by
 * playwright-core, against the page served by `ninr playground --port 0` (its first stdout line
 * is the URL). --disable-gpu: the page runs on Wasm and must say so. Each preset must reach its
 * observed phase label within the budget; a shared link must restore the controls; a bad link
 * must open with a notice and execute nothing; the screenshot must not be blank.
 * Skipped, with a message, when /usr/bin/chromium is absent (.ci/run installs it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type Page, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
const BIN = fileURLToPath(new URL("../../bin/ninr.js", import.meta.url));
/** Per preset: sigma search, k at initialization, then steps until the label shows. */
const PRESET_BUDGET_MS = Number(process.env.NINR_PRESET_BUDGET_MS ?? 60_000);
const SCREENSHOT = process.env.NINR_PLAYGROUND_SCREENSHOT ?? join(tmpdir(), "ninr-playground.png");
const PRESETS = ["decoupled", "decay", "catapult", "divergent"] as const;

const have = existsSync(CHROMIUM);
if (!have) console.warn(`playground browser test skipped: ${CHROMIUM} not found (apt-get install chromium; .ci/run does)`);

/** Start `ninr playground --port 0`; resolves with the URL of its first stdout line. */
function startServer(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [BIN, "playground", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NINR_THREADS: "0" } });
  return new Promise((ok, fail) => {
    let out = "";
    let err = "";
    proc.stderr!.on("data", (c) => (err += c));
    proc.stdout!.on("data", (c) => {
      out += c;
      const nl = out.indexOf("\n");
      if (nl >= 0) ok({ proc, url: out.slice(0, nl).trim() });
    });
    proc.on("exit", (code) => fail(new Error(`ninr playground exited with ${code}: ${err}`)));
  });
}

describe.skipIf(!have)("the playground in headless chromium", () => {
  let server: { proc: ChildProcess; url: string };
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (e) => errors.push(e.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    server?.proc.kill("SIGTERM");
  });

  it("serves on the printed localhost URL and says it runs on Wasm", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    expect(await page.textContent("[data-testid=backend]")).toMatch(/^Wasm/);
    expect(await page.isHidden("#notices")).toBe(true);
  }, 90_000);

  for (const preset of PRESETS) {
    it(`preset ${preset} reaches the observed phase "${preset}"`, async () => {
      const t0 = Date.now();
      await page.getByRole("button", { name: preset, exact: true }).click();
      const observed = page.getByTestId("observed-phase");
      await expect.poll(async () => (await observed.textContent())?.trim(), { timeout: PRESET_BUDGET_MS, interval: 250 }).toBe(preset);
      const seconds = (Date.now() - t0) / 1000;
      const speed = await page.textContent("#speed");
      console.log(`preset ${preset}: observed after ${seconds.toFixed(1)} s; ${speed}; ${await page.textContent("#reason")}`);
      expect(await page.textContent("[data-testid=predicted-phase]")).toBe(preset);
      expect(new URL(page.url()).searchParams.get("preset")).toBe(preset);
    }, PRESET_BUDGET_MS + 30_000);
  }

  it("the screenshot shows the plots (not blank)", async () => {
    if ((await page.textContent("#play")) === "pause") await page.click("#play");
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    // Decode in the page itself (no PNG decoder in the dependencies): pixel variance of the luma.
    const stats = await page.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext("2d")!;
      ctx.drawImage(img, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let s = 0;
      let s2 = 0;
      const n = d.length / 4;
      for (let i = 0; i < d.length; i += 4) {
        const y = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
        s += y;
        s2 += y * y;
      }
      return { w: c.width, h: c.height, variance: s2 / n - (s / n) ** 2 };
    }, png.toString("base64"));
    console.log(`screenshot ${SCREENSHOT}: ${stats.w}x${stats.h}, luma variance ${stats.variance.toFixed(1)}`);
    expect(stats.w).toBe(1280);
    expect(stats.variance).toBeGreaterThan(100);
    // The four charts have drawn lines.
    expect(await page.locator("#charts polyline").count()).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it("a shared link restores the controls", async () => {
    const shared = page.url();
    const sp = new URL(shared).searchParams;
    const other = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await other.goto(shared);
      await other.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
      expect(await other.textContent("#sigma-out")).toBe(sp.get("sigma"));
      expect(await other.inputValue("#eta")).toBe(sp.get("eta"));
      expect(await other.inputValue("#placement")).toBe(sp.get("placement"));
      expect(await other.inputValue("#noise")).toBe(sp.get("noise"));
      expect(await other.inputValue("#seed")).toBe(sp.get("seed"));
      expect(await other.inputValue("#steps")).toBe(sp.get("steps"));
      expect(await other.isHidden("#notices")).toBe(true);
      expect(new URL(other.url()).search).toBe(new URL(shared).search);
    } finally {
      await other.close();
    }
  }, 90_000);

  it("a bad link opens with the nearest valid settings, a notice, and nothing executed", async () => {
    const other = await browser.newPage();
    try {
      const evil = "<img src=x onerror=window.__pwned=1>";
      await other.goto(`${server.url}?sigma=-5&eta=abc&seed=12&preset=nope&${encodeURIComponent(evil)}=1`);
      await other.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
      const notice = (await other.textContent("#notices")) ?? "";
      expect(notice).toContain('sigma "-5" is below the minimum 0.001; using 0.001');
      expect(notice).toContain('eta "abc" is not a number');
      expect(notice).toContain('preset "nope" is not one of');
      expect(notice).toContain(evil);
      expect(await other.textContent("#sigma-out")).toBe("0.001");
      expect(await other.inputValue("#seed")).toBe("12");
      expect(await other.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await other.locator("#notices img").count()).toBe(0);
    } finally {
      await other.close();
    }
  }, 90_000);

  it("no uncaught page errors", () => {
    expect(errors).toEqual([]);
  });
});
