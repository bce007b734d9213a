/**
 * One visual identity per algorithm, the same in every report of every suite: a colour and a marker derived from the
 * algorithm's name alone (a hash of its label, less a trailing seed-count qualifier such as ", 3 seeds", which does
 * not change the algorithm), so that the enhancer is one colour wherever it appears. Ten colours of distinct hues:
 * Okabe & Ito's six chromatic ones, a brown and three of Paul Tol's (indigo, olive, wine), with no grey or black
 * (grey reads as "no verdict", black as an axis).
 * Two algorithms of one suite that hash to the same (colour, marker) pair are told apart by the next free marker,
 * in the order of their names, so only such a clash can move a marker, never a colour.
 */
export const PALETTE: readonly string[] = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#CC79A7",
  "#56B4E9",
  "#8C564B",
  "#332288",
  "#999933",
  "#882255",
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

/** The name an identity is keyed by: the label less a trailing seed-count qualifier (", 3 seeds"). */
export const identityKey = (label: string) => label.replace(/,\s*\d+\s+seeds?\s*$/i, "").trim();

/**
 * Mixed into the colour hash: chosen once (2026-12-06, by counting, over salts 0–2999, the algorithms of one track in
 * the shipped suites that share a colour: 7 at this salt, 21 without) so that overview charts rarely split. Changing
 * it recolours every report.
 */
const COLOUR_SALT = 1374;

/** 32-bit FNV-1a of a string's UTF-16 code units: a stable hash, the same on every machine and Node version. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The style of each label, from its name alone (see above); labels are taken in any order. */
export function algorithmStyles(labels: readonly string[]): Map<string, AlgorithmStyle> {
  const out = new Map<string, AlgorithmStyle>();
  const taken = new Set<string>();
  const unique = [...new Set(labels)];
  const ordered = [...unique].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const label of ordered) {
    const key = identityKey(label);
    const colour = fnv1a(`${COLOUR_SALT}:${key}`) % PALETTE.length;
    let marker = fnv1a(`marker:${key}`) % MARKERS.length;
    for (let k = 0; k < MARKERS.length && taken.has(`${colour}|${marker}`); k++) marker = (marker + 1) % MARKERS.length;
    taken.add(`${colour}|${marker}`);
    out.set(label, { label, color: PALETTE[colour], marker: MARKERS[marker], dash: DASHES[marker] });
  }
  // in the caller's order, so that legends built from the map follow the suite
  return new Map(unique.map((l) => [l, out.get(l)!]));
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
  const legend = {
    title: null,
    labelLimit: 0,
    orient: "right",
    symbolStrokeWidth: 2,
    labelFontSize: 12,
    symbolOpacity: 1,
  };
  return {
    color: { field, type: "nominal", scale: { domain, range: pick("color") }, legend },
    shape: { field, type: "nominal", scale: { domain, range: pick("marker") }, legend },
    strokeDash: { field, type: "nominal", scale: { domain, range: pick("dash") }, legend },
  };
}
