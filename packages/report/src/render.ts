export type VegaLiteSpec = Record<string, unknown>;

/** A chart id fragment from a label: ASCII word characters and dashes, lower case, at most 60 characters. */
export const slug = (s: string) =>
  s
    .normalize("NFKD")
    .replace(/[^\w]+/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase()
    .slice(0, 60);

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** A Vega-Lite spec compiled to Vega (what report.html hands to the vega runtime it embeds). */
export async function compileSpec(spec: VegaLiteSpec): Promise<Record<string, unknown>> {
  const vl = await import("vega-lite");
  return vl.compile(spec as never).spec as unknown as Record<string, unknown>;
}

/** Renders a Vega-Lite spec to an SVG string in Node (vega's headless renderer; no browser, no network). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vega = await import("vega");
  const view = new vega.View(vega.parse(await compileSpec(spec)), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** A chart of the report: its Vega-Lite spec, title, file id and section. */
export interface Chart {
  readonly title: string;
  readonly spec: VegaLiteSpec;
  /** A short file-name-safe id (the chart's SVG/PNG beside report.html). */
  readonly id: string;
  /** The section it belongs to in the report. */
  readonly section: "overview" | "claims" | "frontier" | "diagnostics" | "traces";
}
