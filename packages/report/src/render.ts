export type VegaLiteSpec = Record<string, unknown>;

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Renders a Vega-Lite spec to an SVG string in Node (vega's headless renderer; no browser, no network). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const vl = await import("vega-lite");
  const vega = await import("vega");
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
