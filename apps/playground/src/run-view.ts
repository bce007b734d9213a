// The Run view: a testbed, one or two algorithms with their parameters, a budget and seeds; the worker runs the
// trials seed by seed and the view draws SubOpt against queries (mean and 95% band over seeds), the policies' points
// against the exact reward–KL frontier, the final SubOpt per algorithm and, on the text testbed, sampled sentences.
import type { Catalogue, GshWorker } from "./worker-client";
import type { FromWorker, Row, RunSpec } from "./protocol";
import type { PageState } from "./url-state";
import { type Series, drawChart } from "./chart";
import { fmt, meanInterval } from "./stats";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const COLORS = ["#1f6feb", "#d9480f"];

/** Defaults the run view starts with: online GSHF against DPO on R, which finishes in seconds. */
const START = { env: "R", algA: "online-gshf", algB: "dpo", budget: "1000", seeds: "3" };

export class RunView {
  private catalogue: Catalogue | null = null;
  private runId = 0;
  private spec: RunSpec | null = null;
  private trialIds: readonly string[] = [];
  readonly rows = new Map<string, Row>();
  /** The rows as the worker sent them (every field), for the results-directory export. */
  readonly rawRows = new Map<string, unknown>();
  suiteRecord: unknown = null;
  private running = false;
  private filled = false;

  constructor(
    private readonly worker: GshWorker,
    private readonly onChange: () => void,
  ) {
    $("run-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.start();
    });
    $("stop").addEventListener("click", () => this.stop());
    $("resume").addEventListener("click", () => this.resume());
    $("testbed").addEventListener("change", () => {
      this.describe();
      this.fillAlgorithms();
      this.onChange();
    });
    for (const side of ["a", "b"] as const)
      $(`alg-${side}`).addEventListener("change", () => {
        this.fillParams(side);
        this.onChange();
      });
    for (const id of ["eta", "params-a", "params-b", "budget", "seeds"])
      $(id).addEventListener("change", () => this.onChange());
    this.draw();
  }

  state(): Pick<PageState, "env" | "eta" | "algA" | "paramsA" | "algB" | "paramsB" | "budget" | "seeds"> {
    return {
      env: $<HTMLSelectElement>("testbed").value,
      eta: $<HTMLInputElement>("eta").value,
      algA: $<HTMLSelectElement>("alg-a").value,
      paramsA: compactJson($<HTMLTextAreaElement>("params-a").value),
      algB: $<HTMLSelectElement>("alg-b").value,
      paramsB: compactJson($<HTMLTextAreaElement>("params-b").value),
      budget: $<HTMLInputElement>("budget").value,
      seeds: $<HTMLInputElement>("seeds").value,
    };
  }

  setCatalogue(c: Catalogue, initial: Partial<PageState>) {
    this.catalogue = c;
    const testbed = $<HTMLSelectElement>("testbed");
    testbed.replaceChildren(
      ...c.environments.map((e) => new Option(e.name === "T" ? "T (text: Moby-Dick, sentiment)" : e.name, e.name)),
    );
    testbed.value = initial.env ?? START.env;
    if (initial.eta) $<HTMLInputElement>("eta").value = initial.eta;
    if (initial.budget) $<HTMLInputElement>("budget").value = initial.budget;
    if (initial.seeds) $<HTMLInputElement>("seeds").value = initial.seeds;
    this.describe();
    this.fillAlgorithms(initial);
    $<HTMLButtonElement>("run").disabled = false;
    this.status("Ready. Pick a testbed and algorithms, then Run.");
  }

  private describe() {
    const env = this.catalogue?.environments.find((e) => e.name === $<HTMLSelectElement>("testbed").value);
    $("testbed-description").textContent = env?.description ?? "";
  }

  private fillAlgorithms(initial: Partial<PageState> = {}) {
    if (!this.catalogue) return;
    const env = this.catalogue.environments.find((e) => e.name === $<HTMLSelectElement>("testbed").value)!;
    const usable = this.catalogue.algorithms.filter((a) => a.supports.includes(env.environmentKind));
    const label = (a: AlgorithmLike) => `${a.name}${a.neural ? " (neural: loads TF.js)" : ""}`;
    const first = !this.filled;
    this.filled = true;
    for (const side of ["a", "b"] as const) {
      const select = $<HTMLSelectElement>(`alg-${side}`);
      const previous = select.value;
      select.replaceChildren(
        ...(side === "b" ? [new Option("(none)", "")] : []),
        ...usable.map((a) => new Option(label(a), a.name)),
      );
      const given = side === "a" ? initial.algA : initial.algB;
      const wanted = given ?? (first ? (side === "a" ? START.algA : START.algB) : previous);
      const fallback = side === "a" ? (usable[0]?.name ?? "") : "";
      select.value = wanted === "" || usable.some((a) => a.name === wanted) ? wanted : fallback;
      if (side === "a" && !select.value) select.value = fallback;
      // a restored link's parameters, else the edits kept when the algorithm stays, else the schema's defaults
      const restored = select.value === given ? (side === "a" ? initial.paramsA : initial.paramsB) : undefined;
      const kept = !first && select.value === previous ? $<HTMLTextAreaElement>(`params-${side}`).value : undefined;
      this.fillParams(side, restored ?? kept);
    }
  }

  private fillParams(side: "a" | "b", given?: string) {
    const name = $<HTMLSelectElement>(`alg-${side}`).value;
    const alg = this.catalogue?.algorithms.find((a) => a.name === name);
    const area = $<HTMLTextAreaElement>(`params-${side}`);
    area.disabled = !alg;
    area.value = given ? prettyJson(given) : alg ? JSON.stringify(alg.defaults ?? {}, null, 1) : "";
    $(`alg-${side}-description`).textContent = alg?.description ?? "";
  }

  private buildSpec(): RunSpec | string {
    const s = this.state();
    const eta = Number(s.eta);
    const parse = (text: string, what: string): Record<string, unknown> | string => {
      try {
        const v = JSON.parse(text || "{}") as unknown;
        return v && typeof v === "object" && !Array.isArray(v)
          ? (v as Record<string, unknown>)
          : `${what}: a JSON object expected`;
      } catch (e) {
        return `${what}: not JSON (${(e as Error).message})`;
      }
    };
    const pa = parse($<HTMLTextAreaElement>("params-a").value, "parameters of A");
    if (typeof pa === "string") return pa;
    const algorithms = [{ label: s.algA, name: s.algA, params: pa }];
    if (s.algB) {
      const pb = parse($<HTMLTextAreaElement>("params-b").value, "parameters of B");
      if (typeof pb === "string") return pb;
      algorithms.push({ label: s.algB === s.algA ? `${s.algB}-B` : s.algB, name: s.algB, params: pb });
    }
    const seeds = Number(s.seeds);
    if (!(Number.isInteger(seeds) && seeds >= 1 && seeds <= 50)) return "seeds: a whole number from 1 to 50";
    return {
      environment: { label: s.env, name: s.env, params: Number.isFinite(eta) && s.eta !== "" ? { eta } : {} },
      algorithms,
      budget: Number(s.budget),
      seeds: Array.from({ length: seeds }, (_, i) => i),
    };
  }

  start() {
    const spec = this.buildSpec();
    if (typeof spec === "string") return this.status(spec, true);
    if (this.running) this.worker.restart();
    this.spec = spec;
    this.runId++;
    this.rows.clear();
    this.rawRows.clear();
    this.suiteRecord = null;
    this.trialIds = [];
    this.setRunning(true);
    const tLoad = spec.environment.name === "T" ? " (loading the text testbed first)" : "";
    this.status(`Running ${spec.algorithms.map((a) => a.label).join(" vs ")} on ${spec.environment.name}${tLoad}…`);
    this.worker.post({ type: "run", runId: this.runId, spec, skip: [] });
    this.draw();
    this.onChange();
  }

  stop() {
    if (!this.running) return;
    this.worker.restart();
    this.setRunning(false);
    this.status(
      `Stopped after ${this.rows.size} of ${this.trialIds.length} trials. Resume continues where it stopped.`,
    );
  }

  resume() {
    if (!this.spec || this.running) return;
    this.setRunning(true);
    this.status(`Resuming: ${this.trialIds.length - this.rows.size} trials to go…`);
    this.worker.post({ type: "run", runId: this.runId, spec: this.spec, skip: [...this.rows.keys()] });
  }

  private setRunning(on: boolean) {
    this.running = on;
    $<HTMLButtonElement>("stop").disabled = !on;
    $<HTMLButtonElement>("resume").disabled = on || !this.spec || this.rows.size >= this.trialIds.length;
  }

  onMessage(m: FromWorker) {
    if ("runId" in m && m.runId !== undefined && m.runId !== this.runId) return;
    if (m.type === "suite") {
      this.trialIds = m.trialIds;
      this.suiteRecord = m.suite;
    } else if (m.type === "row") {
      this.rows.set(m.row.trialId, m.row);
      this.rawRows.set(m.row.trialId, m.raw);
      const failed = [...this.rows.values()].filter((r) => r.status === "failed");
      this.status(
        `${this.rows.size} of ${this.trialIds.length} trials done${failed.length ? `; ${failed.length} failed: ${failed[0].error}` : ""}`,
        failed.length > 0,
      );
      this.draw();
    } else if (m.type === "done") {
      this.setRunning(false);
      $<HTMLButtonElement>("resume").disabled = true;
      const failed = [...this.rows.values()].filter((r) => r.status === "failed");
      this.status(
        failed.length
          ? `Done: ${failed.length} of ${this.rows.size} trials failed: ${failed[0].error}`
          : `Done: ${this.rows.size} trials. Export them from "Share and export".`,
        failed.length > 0,
      );
      $("run-form").dataset.done = String(this.runId);
    } else if (m.type === "error") {
      this.setRunning(false);
      this.status(m.message, true);
    }
  }

  private status(text: string, error = false) {
    const s = $("run-status");
    s.textContent = text;
    s.classList.toggle("error", error);
  }

  /** Rows of each algorithm label in the run, ok ones only. */
  private byAlgorithm(): [string, Row[]][] {
    const labels = this.spec?.algorithms.map((a) => a.label) ?? [];
    return labels.map((l) => [l, [...this.rows.values()].filter((r) => r.algorithm === l && r.status === "ok")]);
  }

  private draw() {
    const groups = this.byAlgorithm();
    const suboptSeries: Series[] = groups.map(([label, rows], i) => {
      const byQueries = new Map<number, number[]>();
      for (const r of rows) {
        const points = [...(r.trace ?? []).map((t) => [t.queries, t.subopt] as const)];
        const last = points[points.length - 1];
        if (r.metrics && (!last || r.metrics.queries > last[0])) points.push([r.metrics.queries, r.metrics.subopt]);
        for (const [q, s] of points) if (s !== null) byQueries.set(q, [...(byQueries.get(q) ?? []), s]);
      }
      const points = [...byQueries.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([x, ys]) => {
          const m = meanInterval(ys);
          return { x, y: m.mean, lo: m.mean - m.half, hi: m.mean + m.half };
        });
      return { name: label, color: COLORS[i], points };
    });
    const ref = groups.flatMap(([, rows]) => rows).find((r) => r.referenceSubopt !== undefined);
    if (ref && suboptSeries.some((s) => s.points.length)) {
      const xs = suboptSeries.flatMap((s) => s.points.map((p) => p.x));
      suboptSeries.push({
        name: "π0 (no feedback)",
        color: "#777",
        dashed: true,
        points: [Math.min(0, ...xs), Math.max(...xs)].map((x) => ({ x, y: ref.referenceSubopt! })),
      });
    }
    drawChart($("chart-subopt") as unknown as SVGSVGElement, suboptSeries, {
      title: "SubOpt against preference queries (mean, 95% band over seeds)",
      xLabel: "queries",
      yLabel: "SubOpt (log scale)",
      logY: true,
    });
    const frontier = groups.flatMap(([, rows]) => rows).find((r) => r.optimalFrontier)?.optimalFrontier;
    const frontierSeries: Series[] = [];
    if (frontier)
      frontierSeries.push({
        name: "exact frontier of r*",
        color: "#2b8a3e",
        points: frontier.kl.map((kl, i) => ({ x: kl, y: frontier.reward[i] })).sort((a, b) => a.x - b.x),
      });
    groups.forEach(([label, rows], i) => {
      const ok = rows.filter((r) => r.metrics && r.metrics.trueReward !== null);
      if (ok.length)
        frontierSeries.push({
          name: label,
          color: COLORS[i],
          markers: true,
          points: ok.map((r) => ({ x: r.metrics!.klToReference, y: r.metrics!.trueReward! })),
        });
    });
    drawChart($("chart-frontier") as unknown as SVGSVGElement, frontierSeries, {
      title: "Policies against the exact reward–KL frontier (one point per seed)",
      xLabel: "KL(π ‖ π0)",
      yLabel: "E r*",
    });
    this.drawTable(groups);
    this.drawSentences(groups);
  }

  private drawTable(groups: [string, Row[]][]) {
    const body = document.querySelector("#results tbody")!;
    body.replaceChildren(
      ...groups.map(([label, rows]) => {
        const tr = document.createElement("tr");
        tr.dataset.algorithm = label;
        const finals = rows.map((r) => r.metrics?.subopt).filter((v): v is number => typeof v === "number");
        const m = meanInterval(finals);
        const kl = meanInterval(rows.map((r) => r.metrics!.klToReference));
        const cells = [
          label,
          `${rows.length}`,
          finals.length ? `${fmt(m.mean)}${m.n > 1 ? ` ± ${fmt(m.half)}` : ""}` : "–",
          rows.length ? fmt(kl.mean) : "–",
          fmt(rows[0]?.referenceSubopt),
        ];
        for (const c of cells) {
          const td = document.createElement("td");
          td.textContent = c;
          tr.append(td);
        }
        const seeds = document.createElement("td");
        for (const r of [...rows].sort((a, b) => a.seed - b.seed)) {
          const span = document.createElement("span");
          span.className = "seed-subopt";
          span.dataset.seed = String(r.seed);
          // the full double, for checks against `gsh bench`'s row
          span.dataset.subopt = String(r.metrics?.subopt);
          span.textContent = `seed ${r.seed}: ${fmt(r.metrics?.subopt)} `;
          seeds.append(span);
        }
        tr.append(seeds);
        return tr;
      }),
    );
  }

  private drawSentences(groups: [string, Row[]][]) {
    const withText = groups.map(([l, rows]) => [l, rows.find((r) => r.sentences)] as const).filter(([, r]) => r);
    $("sentences").hidden = withText.length === 0;
    if (!withText.length) return;
    const list = $("sentence-list");
    const block = (title: string, samples: readonly { text: string; valence: number }[]) => {
      const h = document.createElement("h3");
      h.textContent = title;
      const ul = document.createElement("ul");
      for (const s of samples.slice(0, 4)) {
        const li = document.createElement("li");
        li.textContent = `${s.text}  (mean valence ${fmt(s.valence)})`;
        ul.append(li);
      }
      return [h, ul];
    };
    const first = withText[0][1]!.sentences!;
    list.replaceChildren(
      ...block("π0 (the reference: Moby-Dick's bigrams)", first.reference),
      ...block("π* (the exact optimum)", first.optimal),
      ...withText.flatMap(([l, r]) => block(`${l}'s policy (seed ${r!.seed})`, r!.sentences!.policy)),
    );
  }
}

interface AlgorithmLike {
  readonly name: string;
  readonly neural: boolean;
}

function compactJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 1);
  } catch {
    return text;
  }
}
