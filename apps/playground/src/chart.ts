// Small SVG line charts (SubOpt against queries with 95% bands; the reward–KL frontier with points). Hand-drawn to keep
// the first screen light: a charting library would be most of the page's bytes for two plots.
const NS = "http://www.w3.org/2000/svg";

export interface SeriesPoint {
  readonly x: number;
  readonly y: number;
  readonly lo?: number;
  readonly hi?: number;
}
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly SeriesPoint[];
  /** Draw points only (no line). */
  readonly markers?: boolean;
  readonly dashed?: boolean;
}
export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly logY?: boolean;
  readonly width?: number;
  readonly height?: number;
}

const el = (name: string, attrs: Record<string, string | number>, text?: string) => {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / n));
  const mult = [1, 2, 5, 10].find((m) => (hi - lo) / (m * step) <= n) ?? 10;
  const s = mult * step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / s) * s; v <= hi + 1e-9 * s; v += s) out.push(Number(v.toPrecision(12)));
  return out;
}

const short = (v: number) => (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-2) ? v.toExponential(0) : String(v));

/** Draws the series into `svg` (its content is replaced); an accessible title names the chart. */
export function drawChart(svg: SVGSVGElement, series: readonly Series[], o: ChartOptions): void {
  const W = o.width ?? 560,
    H = o.height ?? 300,
    L = 64,
    R = 12,
    B = 44;
  // the legend in rows between the title and the plot (names wrap to a new row), so no curve runs under a name
  const legend: { s: Series; x: number; y: number }[] = [];
  let lx = L,
    ly = 34;
  for (const s of series) {
    const w = 28 + 6.5 * s.name.length;
    if (lx + w > W - R && lx > L) {
      lx = L;
      ly += 16;
    }
    legend.push({ s, x: lx, y: ly });
    lx += w;
  }
  const T = ly + 12;
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", o.title);
  svg.append(el("title", {}, o.title));
  const ty = (v: number) => (o.logY ? Math.log10(Math.max(v, 1e-300)) : v);
  const pts = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y) && (!o.logY || p.y > 0));
  svg.append(el("text", { x: L, y: 18, class: "chart-title" }, o.title));
  if (!pts.length) {
    svg.append(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "chart-empty" }, "no data yet"));
    return;
  }
  let x0 = Math.min(...pts.map((p) => p.x)),
    x1 = Math.max(...pts.map((p) => p.x));
  const ys = pts
    .flatMap((p) => [p.y, p.lo ?? p.y, p.hi ?? p.y])
    .filter((v) => !o.logY || v > 0)
    .map(ty);
  let y0 = Math.min(...ys),
    y1 = Math.max(...ys);
  if (x1 === x0) {
    x0 -= 1;
    x1 += 1;
  }
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  // clamped to the plot area: a band's lower edge at or below 0 on a log scale ends at the axis
  const sy = (y: number) => T + (1 - Math.min(1, Math.max(0, (ty(y) - y0) / (y1 - y0)))) * (H - T - B);
  const axis = el("g", { class: "axis" });
  for (const v of ticks(x0, x1)) {
    axis.append(el("line", { x1: sx(v), x2: sx(v), y1: H - B, y2: H - B + 4 }));
    axis.append(el("text", { x: sx(v), y: H - B + 16, "text-anchor": "middle" }, short(v)));
  }
  const decades = Math.floor(y1) - Math.ceil(y0) + 1;
  // within less than two decades, plain ticks between the ends read better than one power of ten
  const yt = !o.logY
    ? ticks(y0, y1)
    : decades >= 2
      ? Array.from({ length: decades }, (_, i) => 10 ** (Math.ceil(y0) + i))
      : ticks(10 ** y0, 10 ** y1, 4).filter((v) => v > 0);
  for (const v of yt) {
    axis.append(el("line", { x1: L - 4, x2: W - R, y1: sy(v), y2: sy(v), class: "grid" }));
    axis.append(el("text", { x: L - 6, y: sy(v) + 4, "text-anchor": "end" }, short(v)));
  }
  axis.append(el("text", { x: (L + W - R) / 2, y: H - 8, "text-anchor": "middle" }, o.xLabel));
  axis.append(
    el(
      "text",
      { x: 14, y: (T + H - B) / 2, transform: `rotate(-90 14 ${(T + H - B) / 2})`, "text-anchor": "middle" },
      o.yLabel,
    ),
  );
  svg.append(axis);
  series.forEach((s) => {
    const ok = s.points.filter((p) => Number.isFinite(p.y) && (!o.logY || p.y > 0));
    const banded = ok.filter((p) => p.lo !== undefined && p.hi !== undefined && p.hi > p.lo);
    if (banded.length > 1) {
      const up = banded.map((p) => `${sx(p.x)},${sy(o.logY ? Math.max(p.hi!, 1e-300) : p.hi!)}`);
      const down = banded.map((p) => `${sx(p.x)},${sy(o.logY ? Math.max(p.lo!, 1e-300) : p.lo!)}`).reverse();
      svg.append(el("polygon", { points: [...up, ...down].join(" "), fill: s.color, opacity: 0.15 }));
    }
    if (!s.markers && ok.length > 1)
      svg.append(
        el("polyline", {
          points: ok.map((p) => `${sx(p.x)},${sy(p.y)}`).join(" "),
          fill: "none",
          stroke: s.color,
          "stroke-width": 2,
          ...(s.dashed ? { "stroke-dasharray": "5 4" } : {}),
        }),
      );
    for (const p of s.markers ? ok : ok.slice(-1))
      svg.append(el("circle", { cx: sx(p.x), cy: sy(p.y), r: 4, fill: s.color }));
  });
  for (const { s, x, y } of legend) {
    svg.append(el("rect", { x, y: y - 9, width: 10, height: 10, fill: s.color }));
    svg.append(el("text", { x: x + 14, y, class: "legend" }, s.name));
  }
}
