import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/**
 * PNGs from charts' SVGs by resvg compiled to WebAssembly (@resvg/resvg-wasm: no native build, no download at install
 * or run time). A WebAssembly rasteriser cannot see system fonts, so it is given DejaVu Sans (Bitstream Vera licence)
 * from the npm package dejavu-fonts-ttf, and every font family in the SVG resolves to it.
 *
 * Rasterising is most of a report's time (the default suite's 133 charts: 23 of 36 s of CPU, 2026-12-06), and each
 * chart is independent, so the charts are shared among worker threads, one per core. The workers run a script given
 * as source (not a file), so the same code serves the built package and its TypeScript sources under test.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { readFileSync } = require("node:fs");
Promise.resolve(require(workerData.modulePath)).then(async (resvg) => {
  await resvg.initWasm(readFileSync(workerData.wasmPath));
  const fontBuffers = workerData.fontPaths.map((p) => readFileSync(p));
  const font = { fontBuffers, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" };
  parentPort.on("message", ({ index, svg, scale }) => {
    try {
      const png = new resvg.Resvg(svg, { fitTo: { mode: "zoom", value: scale }, font }).render().asPng();
      parentPort.postMessage({ index, png }, [png.buffer]);
    } catch (e) {
      parentPort.postMessage({ index, error: String((e && e.message) || e) });
    }
  });
  parentPort.postMessage({ ready: true });
}, (e) => parentPort.postMessage({ index: -1, error: String((e && e.message) || e) }));
`;

function resources() {
  return {
    modulePath: require.resolve("@resvg/resvg-wasm"),
    wasmPath: require.resolve("@resvg/resvg-wasm/index_bg.wasm"),
    fontPaths: ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((f) => require.resolve(`dejavu-fonts-ttf/ttf/${f}`)),
  };
}

type Reply = { ready: true } | { index: number; png: Uint8Array } | { index: number; error: string };

/**
 * Rasterises SVG strings to PNG bytes at `scale` × their size (2 by default, for sharp text on high-DPI screens), in
 * order, on up to `threads` worker threads (default: one per core, and no more than one per four charts).
 */
export async function svgsToPng(
  svgs: readonly string[],
  scale = 2,
  threads = Math.min(availableParallelism(), Math.ceil(svgs.length / 4)),
): Promise<Uint8Array[]> {
  if (svgs.length === 0) return [];
  const out = new Array<Uint8Array>(svgs.length);
  const workerData = resources();
  let next = 0;
  let done = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const feed = (w: Worker) => {
        if (next < svgs.length) {
          const index = next++;
          w.postMessage({ index, svg: svgs[index], scale });
        }
      };
      for (let t = 0; t < Math.max(1, threads); t++) {
        const w = new Worker(WORKER_SOURCE, { eval: true, workerData });
        workers.push(w);
        w.on("error", reject);
        w.on("message", (m: Reply) => {
          if ("ready" in m) return feed(w);
          if ("error" in m) return reject(new Error(`rasterising chart ${m.index + 1} to PNG: ${m.error}`));
          out[m.index] = new Uint8Array(m.png);
          if (++done === svgs.length) resolve();
          else feed(w);
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
