/**
 * One visual identity per algorithm across the whole report: a colour from a colour-blind-safe palette (Okabe & Ito's,
 * with grey in place of yellow, which vanishes on white) plus a marker and a dash. Palettes stop near 8 colours and
 * suites have 13 or more algorithms, so the identity is the (colour, marker) pair: the i-th algorithm in suite order
 * gets colour i mod 8 and marker (i + ⌊i/8⌋) mod 8, distinct pairs for up to 64 algorithms, and inside any 8
 * consecutive algorithms both the colours and the markers differ.
 */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#CC79A7",
  "#56B4E9",
  "#000000",
  "#999999",
];
export const MARKERS: readonly string[] = [
  "circle",
  "square",
  "triangle-up",
  "diamond",
  "cross",
  "triangle-down",
  "triangle-left",
  "triangle-right",
];
/** Dash patterns (Vega strokeDash), by the same index as the marker. */
export const DASHES: readonly (readonly number[])[] = [
  [1, 0],
  [6, 3],
  [2, 2],
  [8, 3, 2, 3],
  [4, 4],
  [10, 2],
  [1, 3],
  [12, 4, 4, 4],
];

export interface AlgorithmStyle {
  readonly label: string;
  readonly color: string;
  readonly marker: string;
  readonly dash: readonly number[];
}

/** The style of each label, by its position in `labels` (suite order); a label beyond 64 reuses a pair. */
export function algorithmStyles(labels: readonly string[]): Map<string, AlgorithmStyle> {
  const out = new Map<string, AlgorithmStyle>();
  labels.forEach((label, i) => {
    const m = (i + Math.floor(i / PALETTE.length)) % MARKERS.length;
    out.set(label, { label, color: PALETTE[i % PALETTE.length], marker: MARKERS[m], dash: DASHES[m % DASHES.length] });
  });
  return out;
}

/**
 * Splits labels (in order) into charts of at most `max` series with no colour twice in one chart, so that inside a
 * chart colour alone tells series apart and the marker is a second cue.
 */
export function chunkByColour(labels: readonly string[], styles: Map<string, AlgorithmStyle>, max = 8): string[][] {
  const chunks: string[][] = [];
  for (const l of labels) {
    const colour = styles.get(l)?.color;
    const home = chunks.find((c) => c.length < max && !c.some((o) => styles.get(o)?.color === colour));
    if (home) home.push(l);
    else chunks.push([l]);
  }
  return chunks;
}

/** Vega-Lite encodings that pin each series of a chart to its report-wide identity, with full names in the legend. */
export function identityEncodings(labels: readonly string[], styles: Map<string, AlgorithmStyle>, field = "algorithm") {
  const domain = [...labels];
  const pick = <K extends keyof AlgorithmStyle>(k: K) => domain.map((l) => styles.get(l)![k]);
  const legend = { title: null, labelLimit: 0, orient: "bottom", columns: 1, symbolStrokeWidth: 2 };
  return {
    color: { field, type: "nominal", scale: { domain, range: pick("color") }, legend },
    shape: { field, type: "nominal", scale: { domain, range: pick("marker") }, legend },
    strokeDash: { field, type: "nominal", scale: { domain, range: pick("dash") }, legend },
  };
}
