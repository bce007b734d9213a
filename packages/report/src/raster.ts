import { readFileSync } from "node:fs";

/**
 * PNG from a chart's SVG by resvg compiled to WebAssembly (@resvg/resvg-wasm: no native build, no download at install
 * or run time). A WebAssembly rasteriser cannot see system fonts, so it is given DejaVu Sans (Bitstream Vera licence)
 * from the npm package dejavu-fonts-ttf, and every font family in the SVG resolves to it.
 */
let ready: Promise<{ render: (svg: string, scale: number) => Uint8Array }> | null = null;

async function load() {
  const resvg = await import("@resvg/resvg-wasm");
  await resvg.initWasm(readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm")));
  const font = (name: string) => readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${name}`));
  const fontBuffers = [font("DejaVuSans.ttf"), font("DejaVuSans-Bold.ttf")];
  return {
    render: (svg: string, scale: number) =>
      new resvg.Resvg(svg, {
        fitTo: { mode: "zoom", value: scale },
        font: { fontBuffers, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
      })
        .render()
        .asPng(),
  };
}

/** Rasterises an SVG string to PNG bytes at `scale` × its size (2 by default, for sharp text on high-DPI screens). */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  ready ??= load();
  return (await ready).render(svg, scale);
}
