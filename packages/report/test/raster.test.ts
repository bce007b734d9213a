import { inflateSync } from "node:zlib";
import { svgsToPng } from "../src/raster";

// A PNG's size from its IHDR chunk, and the RGBA of its first pixel from its (single, filtered) IDAT stream.
function decode(png: Uint8Array) {
  const b = Buffer.from(png);
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = b.readUInt32BE(16);
  const height = b.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let at = 8; at < b.length;) {
    const len = b.readUInt32BE(at);
    if (b.toString("latin1", at + 4, at + 8) === "IDAT") idat.push(b.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  // Filter types 0 (none) and 1 (sub) leave the first pixel of a row as is; the others would need the row above.
  expect([0, 1]).toContain(raw[0]);
  return { width, height, colorType: b[25], first: [...raw.subarray(1, 5)] };
}

const rect = (w: number, h: number, fill: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="${fill}"/></svg>`;

describe("svgsToPng", () => {
  it("renders each SVG at scale × its size, in the order given, whichever worker thread took it", async () => {
    const sizes = [
      [4, 3],
      [7, 2],
      [5, 5],
      [1, 9],
      [6, 1],
    ];
    const colours: [string, number[]][] = [
      ["#ff0000", [255, 0, 0, 255]],
      ["#00ff00", [0, 255, 0, 255]],
      ["#0000ff", [0, 0, 255, 255]],
    ];
    const svgs = sizes.map(([w, h], i) => rect(w, h, colours[i % 3][0]));
    const pngs = await svgsToPng(svgs, 2, 2);
    expect(pngs).toHaveLength(5);
    pngs.forEach((png, i) => {
      const d = decode(png);
      expect([d.width, d.height]).toEqual([2 * sizes[i][0], 2 * sizes[i][1]]);
      expect(d.colorType).toBe(6); // RGBA
      expect(d.first).toEqual(colours[i % 3][1]);
    });
  });

  it("gives the same bytes on one thread as on several", async () => {
    const svgs = [rect(30, 20, "#123456"), rect(10, 40, "#abcdef"), rect(25, 25, "#777777")];
    const one = await svgsToPng(svgs, 1.5, 1);
    const three = await svgsToPng(svgs, 1.5, 3);
    expect(three.map((p) => Buffer.from(p).toString("base64"))).toEqual(
      one.map((p) => Buffer.from(p).toString("base64")),
    );
  });

  it("an SVG resvg cannot parse is an error naming the chart; nothing to render is no work", async () => {
    await expect(svgsToPng([rect(2, 2, "red"), "<svg"], 1, 2)).rejects.toThrow(/rasterising chart 2 to PNG/);
    await expect(svgsToPng([])).resolves.toEqual([]);
  });
});
