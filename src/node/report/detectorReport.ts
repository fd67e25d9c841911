/**
 * The detector experiment's outputs (issue 12): detector.json (the issue's format plus spreads,
 * gaps and timings), detector.{md,csv}, gaps.md, ROC plots for both domains, the shower-shape
 * plots of the nominal test set, and report.html. Everything says "synthetic calorimeter".
 */
import { join } from "node:path";
import type { DetectorRow, GapRow } from "../../experiments/detectorEval.ts";
import { ROC_GRID } from "../../experiments/detectorEval.ts";
import { WORKING_POINTS } from "../../experiments/detectorMetrics.ts";
import { lineChart } from "../../report/charts.ts";
import { htmlReport, type ReportSection } from "../../report/html.ts";
import { type Row, toCsv, toMarkdown } from "../../report/tables.ts";
import { writeFileAtomic, writeJsonAtomic } from "../atomic.ts";
import { renderVegaLite, writeChart } from "./render.ts";

const label = (r: { method: string; noise: string }) => (r.noise === "none" ? r.method : `${r.method} (${r.noise})`);
const pm = (m: number, s: number, d: number) => `${m.toFixed(d)} ± ${s.toFixed(d)}`;

export function tableRows(rows: DetectorRow[]): Row[] {
  return rows.map((r) => ({
    method: r.method,
    noise: r.noise,
    domain: r.domain,
    auc: pm(r.auc_mean, r.auc_std, 4),
    ...Object.fromEntries(WORKING_POINTS.map((wp) => [`1/eps_B @ eps_S=${wp}`, pm(r[`rejection_at_${wp}` as "rejection_at_0.5"], r.rejection_std[String(wp)], 1)])),
    seeds: r.seeds.length,
  }));
}

/** One sentence per method: is its nominal-to-shifted gap narrower than vanilla's beyond the seed spread? */
export function gapVerdicts(gaps: GapRow[]): string[] {
  const v = gaps.find((g) => g.method === "vanilla");
  if (!v) return ["no vanilla rows: no gap comparison"];
  return gaps
    .filter((g) => g !== v)
    .map((g) => {
      const d = g.auc_gap_mean - v.auc_gap_mean;
      const spread = Math.hypot(g.auc_gap_std, v.auc_gap_std);
      const aucWord = g.seeds < 2 || v.seeds < 2 ? "(one seed: no spread to judge by) vs" : Math.abs(d) <= spread ? "within the seed spread of" : d < 0 ? "narrower than" : "wider than";
      const wps = WORKING_POINTS.map((wp) => {
        const a = g.rejection_ratio[String(wp)];
        const b = v.rejection_ratio[String(wp)];
        const better = g.seeds > 1 && v.seeds > 1 && a.mean - b.mean > Math.hypot(a.std, b.std);
        return `${wp}: ${a.mean.toFixed(3)} vs ${b.mean.toFixed(3)}${better ? " (keeps more rejection)" : ""}`;
      }).join(", ");
      return `${label(g)}: AUC gap ${pm(g.auc_gap_mean, g.auc_gap_std, 4)}, ${aucWord} vanilla's ${pm(v.auc_gap_mean, v.auc_gap_std, 4)}; shifted/nominal rejection ${wps}`;
    });
}

function rocChart(rows: DetectorRow[], domain: "nominal" | "shifted", subtitle: string) {
  const data: Row[] = rows
    .filter((r) => r.domain === domain)
    .flatMap((r) => ROC_GRID.map((e, i) => ({ signal_eff: e, rejection: 1 / Math.max(r.roc_background_eff[i], 1e-4), method: label(r) })));
  return lineChart({ title: `ROC, ${domain} test set (synthetic calorimeter)`, subtitle, data, x: "signal_eff", y: "rejection", color: "method", xTitle: "prompt-photon efficiency eps_S", yTitle: "background rejection 1/eps_B", logY: true });
}

export type DetectorMeta = { preset: string; command: string; generator: unknown; model: { name: string; width: number; params: number; params_at_width_64?: number }; sigmas: unknown; timings: Row[]; baselineWeights: Record<string, number>; shapePlots: string[] };

export async function writeDetectorReport(dir: string, rows: DetectorRow[], gaps: GapRow[], meta: DetectorMeta): Promise<void> {
  const subtitle = `synthetic calorimeter, preset ${meta.preset}, ${meta.model.name} width ${meta.model.width}; mean over seeds`;
  writeJsonAtomic(join(dir, "detector.json"), {
    synthetic: true,
    rows: rows.map(({ roc_background_eff: _r, ...rest }) => rest),
    gaps,
    generator: meta.generator,
    model: meta.model,
    preset: meta.preset,
    command: meta.command,
    sigmas: meta.sigmas,
    timings: meta.timings,
    shower_shape_weights: meta.baselineWeights,
    roc: { signal_eff: ROC_GRID, rows: rows.map((r) => ({ method: r.method, noise: r.noise, domain: r.domain, background_eff: r.roc_background_eff })) },
  });
  const table = toMarkdown(tableRows(rows));
  const verdicts = gapVerdicts(gaps);
  const gapTable = toMarkdown(
    gaps.map((g) => ({ method: g.method, noise: g.noise, "AUC nominal - shifted": pm(g.auc_gap_mean, g.auc_gap_std, 4), ...Object.fromEntries(WORKING_POINTS.map((wp) => [`rejection shifted/nominal @ ${wp}`, pm(g.rejection_ratio[String(wp)].mean, g.rejection_ratio[String(wp)].std, 3)])), seeds: g.seeds })),
  );
  writeFileAtomic(join(dir, "detector.md"), `# Prompt vs fragmentation photons (synthetic calorimeter)\n\n${subtitle}\n\n${table}\n\n## Nominal-to-shifted gap (paired per seed)\n\n${gapTable}\n\n${verdicts.map((v) => `- ${v}`).join("\n")}\n\n## Seconds per epoch\n\n${toMarkdown(meta.timings)}\n`);
  writeFileAtomic(join(dir, "detector.csv"), toCsv(rows.map(({ roc_background_eff: _r, rejection_std, ...rest }) => ({ ...rest, seeds: rest.seeds.join(" "), ...Object.fromEntries(Object.entries(rejection_std).map(([k, v]) => [`rejection_std_${k}`, v])) }))));
  const sections: ReportSection[] = [{ heading: "Results", text: subtitle, tableMarkdown: table }, { heading: "Does NINR narrow the nominal-to-shifted gap?", text: verdicts.join("\n\n"), tableMarkdown: gapTable }];
  for (const domain of ["nominal", "shifted"] as const) {
    const spec = rocChart(rows, domain, subtitle);
    await writeChart(spec, join(dir, `roc_${domain}`));
    sections.push({ heading: `ROC curves, ${domain} domain`, svg: (await renderVegaLite(spec)).svg });
  }
  sections.push({ heading: "Seconds per epoch", tableRows: meta.timings });
  sections.push({ heading: "Shower shapes of the nominal test set", text: `Plots: ${meta.shapePlots.map((p) => `${p}.svg`).join(", ")}. Logistic-regression weights per unit of each shape: ${Object.entries(meta.baselineWeights).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(", ")}.` });
  writeFileAtomic(
    join(dir, "report.html"),
    htmlReport({
      title: "NINR on a synthetic calorimeter: prompt vs fragmentation photons",
      intro: `Everything here is a synthetic calorimeter (docs/detector.md): GFlash-parametrised showers in a COCOA-like geometry, not Geant4. ${meta.command}`,
      sections,
    }),
  );
}
