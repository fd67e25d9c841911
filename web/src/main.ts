/**
 * The playground page: controls <-> URL state, the live run loop (one step, then yield to the
 * event loop so the page stays responsive), and the views. All text from the URL or the run goes
 * in with textContent.
 */
import trainImagesUrl from "../../data/sample/train-images-idx3-ubyte.gz?url";
import trainLabelsUrl from "../../data/sample/train-labels-idx1-ubyte.gz?url";
import testImagesUrl from "../../data/sample/t10k-images-idx3-ubyte.gz?url";
import testLabelsUrl from "../../data/sample/t10k-labels-idx1-ubyte.gz?url";
import { CLASS_NAMES } from "../../src/data/fashion.ts";
import type { Dataset } from "../../src/data/dataset.ts";
import { K_CATAPULT } from "../../src/dynamics/predict.ts";
import { chooseBackend } from "./backend.ts";
import { type Series, drawChart } from "./chart.ts";
import { LiveRun, PLAYGROUND } from "./liveRun.ts";
import { kMeter, predictedForPreset, presetBase, presetSettings, searchPresetSigma } from "./presets.ts";
import { predictions, robustness, type RobustnessPoint } from "./probeViews.ts";
import { sampleDataset } from "./sample.ts";
import { FIELDS, PRESET_NAMES, type PresetName, type Settings, checkNumber, parseState, serializeState, sigmaToSlider, sliderToSigma } from "./state.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const COLORS = ["#1f6feb", "#d1242f", "#2da44e", "#bf8700", "#8250df"];

let settings: Settings;
let ds: Dataset;
let run: LiveRun | null = null;
let playing = false;
/** Serialises everything that touches jax-js: one job at a time. */
let queue: Promise<unknown> = Promise.resolve();
let robust: RobustnessPoint[] | null = null;
let robustAt = -1;

function enqueue<T>(job: () => Promise<T>): Promise<T> {
  const p = queue.then(job);
  queue = p.catch((e) => showError(e));
  return p;
}

function showError(e: unknown): void {
  playing = false;
  $("play").textContent = "play";
  $("status").textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
}

function setNotices(lines: string[]): void {
  const box = $("notices");
  box.replaceChildren();
  if (!lines.length) {
    box.hidden = true;
    return;
  }
  const p = document.createElement("p");
  p.textContent = "The link had settings that could not be used as given; the nearest valid ones are shown:";
  const ul = document.createElement("ul");
  for (const l of lines) {
    const li = document.createElement("li");
    li.textContent = l;
    ul.appendChild(li);
  }
  box.append(p, ul);
  box.hidden = false;
}

/** Controls <- settings. */
function showSettings(): void {
  ($("sigma") as HTMLInputElement).value = String(sigmaToSlider(settings.sigma));
  $("sigma-out").textContent = String(settings.sigma);
  ($("eta") as HTMLInputElement).value = String(settings.eta);
  ($("placement") as HTMLSelectElement).value = settings.placement;
  ($("noise") as HTMLSelectElement).value = settings.noise;
  ($("thetaInit") as HTMLSelectElement).value = settings.thetaInit;
  ($("thetaScale") as HTMLInputElement).value = String(settings.thetaScale);
  ($("seed") as HTMLInputElement).value = String(settings.seed);
  ($("steps") as HTMLInputElement).value = String(settings.steps);
  ($("testNoise") as HTMLInputElement).value = String(settings.testNoise);
  $("testNoise-out").textContent = String(settings.testNoise);
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-preset]")) b.setAttribute("aria-pressed", String(b.dataset.preset === settings.preset));
  history.replaceState(null, "", `${location.pathname}?${serializeState(settings)}`);
}

/** A number input -> its field (clamped; a notice in the status line when changed). */
function readNumber(id: "eta" | "seed" | "steps" | "thetaScale"): number {
  const r = checkNumber(id, ($(id) as HTMLInputElement).value, FIELDS[id]);
  if (r.notice) $("status").textContent = r.notice;
  return r.value;
}

function onSettingsChanged(next: Settings, keepPreset = false): void {
  settings = { ...next, preset: keepPreset ? next.preset : null };
  showSettings();
  void reset();
}

function stop(): void {
  playing = false;
  $("play").textContent = "play";
}

/** Dispose the run, clear the views, and start a fresh one (k at initialization, predicted phase). */
function reset(): Promise<void> {
  stop();
  return enqueue(async () => {
    run?.dispose();
    run = null;
    robust = null;
    robustAt = -1;
    $("status").textContent = settings.placement === "none" ? "vanilla run (no NINs)" : "measuring k = eta * lambda_noise at initialization...";
    const r = LiveRun.create(settings, ds);
    await r.start();
    run = r;
    $("status").textContent = "ready";
    render();
  });
}

async function oneStep(): Promise<void> {
  if (!run || run.done) return;
  await run.step();
  if (run.done) {
    stop();
    await refreshEvaluation();
    $("status").textContent = run.ninr.diverged ? `diverged at step ${run.stepsDone}` : `finished ${run.stepsDone} steps`;
  }
  render();
}

async function refreshEvaluation(): Promise<void> {
  if (!run || robustAt === run.stepsDone) return;
  robust = await robustness(run);
  robustAt = run.stepsDone;
  await drawGrid();
  render();
}

function play(): void {
  if (playing) return stop();
  playing = true;
  $("play").textContent = "pause";
  $("status").textContent = "training...";
  const loop = async () => {
    while (playing && run && !run.done) {
      await enqueue(oneStep);
      // Yield to the event loop: input, painting and pause clicks happen between steps.
      await new Promise((r) => setTimeout(r, 0));
    }
    if (run && !run.done) await enqueue(refreshEvaluation);
  };
  void loop();
}

async function applyPreset(name: PresetName): Promise<void> {
  stop();
  const buttons = document.querySelectorAll<HTMLButtonElement>("[data-preset]");
  buttons.forEach((b) => (b.disabled = true));
  try {
    await enqueue(async () => {
      $("status").textContent = `${name}: searching sigma for the target k at initialization...`;
      const base = presetBase(settings, name);
      const m = kMeter(base, ds);
      try {
        const r = await searchPresetSigma(name, base.steps, m.measure);
        settings = presetSettings(settings, name, r.sigma);
        $("status").textContent = `${name}: sigma ${settings.sigma} gives k = ${r.k.toPrecision(3)} (predicts ${predictedForPreset(r.k, settings.steps)}; ${r.history.length} measurements)`;
      } finally {
        m.dispose();
      }
    });
    showSettings();
    await reset();
    play();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

function render(): void {
  if (!run) return;
  const steps = run.metrics.filter((m) => m.kind === "step") as Extract<(typeof run.metrics)[number], { kind: "step" }>[];
  const vsteps = (run.vanilla?.metrics ?? []).filter((m) => m.kind === "step") as typeof steps;
  const xDomain: [number, number] = [0, settings.steps];
  const lossSeries: Series[] = [{ name: run.hasNins ? "NINR" : "vanilla", color: COLORS[0], points: steps.map((m) => [m.step, m.loss]) }];
  if (vsteps.length) lossSeries.push({ name: "vanilla", color: COLORS[1], points: vsteps.map((m) => [m.step, m.loss]), dashed: true });
  drawChart($("chart-loss") as unknown as SVGSVGElement, { title: "training loss (noisy batch)", xLabel: "step", yLabel: "loss", series: lossSeries, xDomain });
  const nNins = steps[0]?.niw_norm.length ?? 0;
  const niw: Series[] = [];
  for (let i = 0; i < nNins; i++) {
    const site = `nin${run.ninr.fns.ninSites[i]}`;
    niw.push({ name: `||θ|| ${site}`, color: COLORS[i * 2], points: steps.map((m) => [m.step + 1, m.niw_norm[i]]) });
    niw.push({ name: `||Jθ|| ${site}`, color: COLORS[i * 2 + 1], points: steps.map((m) => [m.step + 1, m.coupling[i]]), dashed: true });
  }
  drawChart($("chart-niw") as unknown as SVGSVGElement, { title: "NIW norm and output coupling", xLabel: "step", yLabel: "norm", series: niw, logY: true, xDomain });
  drawChart($("chart-k") as unknown as SVGSVGElement, {
    title: "k(t) = η λ_noise",
    xLabel: "step",
    yLabel: "k",
    series: [{ name: "k(t)", color: COLORS[0], points: run.kTrace.map((p) => [p.step, p.k]), dots: true }],
    hlines: [
      { y: K_CATAPULT, label: "k = 2 (catapult)", color: "#bf8700" },
      { y: PLAYGROUND.ceiling, label: `k = ${PLAYGROUND.ceiling} (divergence ceiling)`, color: "#d1242f" },
    ],
    logY: true,
    xDomain,
  });
  const rs: Series[] = [];
  if (robust) {
    const names = Object.keys(robust[0]?.acc ?? {});
    names.forEach((n, i) => rs.push({ name: n === "ninr" ? "NINR" : "vanilla", color: COLORS[i], points: robust!.map((p) => [p.s, p.acc[n]]), dots: true, dashed: n === "vanilla" }));
  }
  drawChart($("chart-robust") as unknown as SVGSVGElement, { title: robust ? `test accuracy vs test noise (step ${robustAt})` : "test accuracy vs test noise (after the run or on pause)", xLabel: "test noise s", yLabel: "accuracy", series: rs, xDomain: [0, 1], yDomain: [0, 1] });

  const k0 = run.kTrace[0]?.k;
  $("k0").textContent = k0 === undefined ? "n/a (no NINs)" : k0.toPrecision(3);
  $("predicted").textContent = run.predicted ?? "n/a";
  const obs = run.observe();
  $("observed").textContent = obs ? obs.phase : run.hasNins ? `(after ${PLAYGROUND.minStepsToObserve} steps)` : "n/a";
  $("reason").textContent = obs ? `step ${run.stepsDone}: ${obs.reason}` : "";
  if (run.busySeconds > 0) $("speed").textContent = `${(run.stepsDone / run.busySeconds).toFixed(1)} steps/s (step ${run.stepsDone} of ${settings.steps}${run.vanilla ? ", NINR and vanilla" : ""})`;
}

async function drawGrid(): Promise<void> {
  if (!run) return;
  const preds = await predictions(run, 10, settings.testNoise);
  const grid = $("grid");
  grid.replaceChildren();
  for (const p of preds) {
    const fig = document.createElement("figure");
    const c = document.createElement("canvas");
    c.width = 28;
    c.height = 28;
    const ctx = c.getContext("2d");
    if (ctx) {
      const img = ctx.createImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = Math.round(255 * (1 - Math.min(1, Math.max(0, p.pixels[i]))));
        img.data.set([v, v, v, 255], i * 4);
      }
      ctx.putImageData(img, 0, 0);
    }
    c.setAttribute("role", "img");
    c.setAttribute("aria-label", `test image, true class ${CLASS_NAMES[p.label]}`);
    const cap = document.createElement("figcaption");
    const truth = document.createElement("div");
    truth.textContent = CLASS_NAMES[p.label];
    cap.appendChild(truth);
    for (const [name, cls] of Object.entries(p.predicted)) {
      const d = document.createElement("div");
      d.textContent = `${name === "ninr" ? "NINR" : "vanilla"}: ${cls < 0 ? "(diverged)" : CLASS_NAMES[cls]}`;
      if (cls !== p.label) d.className = "wrong";
      cap.appendChild(d);
    }
    fig.append(c, cap);
    grid.appendChild(fig);
  }
}

function download(name: string, text: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

function wire(): void {
  const sigma = $("sigma") as HTMLInputElement;
  sigma.addEventListener("input", () => ($("sigma-out").textContent = String(sliderToSigma(Number(sigma.value)))));
  sigma.addEventListener("change", () => onSettingsChanged({ ...settings, sigma: sliderToSigma(Number(sigma.value)) }));
  for (const id of ["eta", "seed", "steps", "thetaScale"] as const) $(id).addEventListener("change", () => onSettingsChanged({ ...settings, [id]: readNumber(id) }));
  $("placement").addEventListener("change", () => onSettingsChanged({ ...settings, placement: ($("placement") as HTMLSelectElement).value as Settings["placement"] }));
  $("thetaInit").addEventListener("change", () => onSettingsChanged({ ...settings, thetaInit: ($("thetaInit") as HTMLSelectElement).value as Settings["thetaInit"] }));
  $("noise").addEventListener("change", () => onSettingsChanged({ ...settings, noise: ($("noise") as HTMLSelectElement).value as Settings["noise"] }));
  const tn = $("testNoise") as HTMLInputElement;
  tn.addEventListener("input", () => ($("testNoise-out").textContent = tn.value));
  tn.addEventListener("change", () => {
    settings = { ...settings, testNoise: checkNumber("testNoise", tn.value, FIELDS.testNoise).value };
    showSettings();
    void enqueue(drawGrid);
  });
  $("play").addEventListener("click", play);
  $("step").addEventListener("click", () => {
    stop();
    void enqueue(async () => {
      await oneStep();
      await drawGrid();
    });
  });
  $("reset").addEventListener("click", () => void reset());
  $("export").addEventListener("click", () => run && download(`ninr-playground-seed${settings.seed}-metrics.jsonl`, run.metricsJsonl()));
  $("share").addEventListener("click", () => {
    void navigator.clipboard?.writeText(location.href).then(() => ($("status").textContent = "link copied"), () => ($("status").textContent = location.href));
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>("[data-preset]")) {
    const name = b.dataset.preset as PresetName;
    if (PRESET_NAMES.includes(name)) b.addEventListener("click", () => void applyPreset(name));
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`could not load the bundled sample (${url}: HTTP ${r.status})`);
  return new Uint8Array(await r.arrayBuffer());
}

async function main(): Promise<void> {
  const parsed = parseState(location.search);
  settings = parsed.settings;
  setNotices(parsed.notices);
  showSettings();
  wire();
  const backend = await chooseBackend();
  $("backend").textContent = backend.note;
  document.body.dataset.backend = backend.device;
  $("status").textContent = "loading the Fashion-MNIST sample...";
  const [a, b, c, d] = await Promise.all([trainImagesUrl, trainLabelsUrl, testImagesUrl, testLabelsUrl].map(fetchBytes));
  ds = await sampleDataset({ trainImages: a, trainLabels: b, testImages: c, testLabels: d });
  // A shared link with a preset but no sigma asks for the preset's search.
  if (settings.preset && !parsed.given.has("sigma")) await applyPreset(settings.preset);
  else await reset();
  document.body.dataset.ready = "true";
}

main().catch(showError);
