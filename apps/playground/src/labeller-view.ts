// "Be the labeller": pairs of continuations from testbed T; each click is a preference label. After each batch the
// worker fits Bradley–Terry to your labels and scores the policy it gives against π*, beside π0 and the policy the
// hidden r* would give with as many labels.
import type { GshWorker } from "./worker-client";
import type { FromWorker, LabelSpec, LabelState } from "./protocol";
import type { PageState } from "./url-state";
import { drawChart } from "./chart";
import { fmt } from "./stats";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
type Label = 0 | 1 | 0.5;
const LETTER: Record<string, Label> = { a: 1, b: 0, t: 0.5 };
const toLetter = (l: Label) => (l === 1 ? "a" : l === 0 ? "b" : "t");

export class LabellerView {
  private spec: LabelSpec | null = null;
  private labels: Label[] = [];
  private last: LabelState | null = null;
  busy = false;

  constructor(
    private readonly worker: GshWorker,
    private readonly onChange: () => void,
  ) {
    $("label-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.labels = [];
      this.begin();
    });
    $("choose-a").addEventListener("click", () => this.answer(1));
    $("choose-b").addEventListener("click", () => this.answer(0));
    $("choose-tie").addEventListener("click", () => this.answer(0.5));
    document.addEventListener("keydown", (e) => {
      if ($("view-label").hidden || $("pair").hidden || this.busy) return;
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      const l = ({ "1": 1, "2": 0, "3": 0.5 } as Record<string, Label>)[e.key];
      if (l !== undefined) {
        e.preventDefault();
        this.answer(l);
      }
    });
    for (const id of ["exploration", "batch-size", "label-seed"])
      $(id).addEventListener("change", () => this.onChange());
    drawChart($("chart-labels") as unknown as SVGSVGElement, [], this.chartOptions());
  }

  state(): Pick<PageState, "exploration" | "batchSize" | "labelSeed" | "labels"> {
    return {
      exploration: $<HTMLSelectElement>("exploration").value,
      batchSize: $<HTMLInputElement>("batch-size").value,
      labelSeed: $<HTMLInputElement>("label-seed").value,
      labels: this.labels.map(toLetter).join(""),
    };
  }

  /** Called once gsh is loaded; a link with labels resumes the session where it was. */
  enable(initial: Partial<PageState>) {
    if (initial.exploration) $<HTMLSelectElement>("exploration").value = initial.exploration;
    if (initial.batchSize) $<HTMLInputElement>("batch-size").value = initial.batchSize;
    if (initial.labelSeed) $<HTMLInputElement>("label-seed").value = initial.labelSeed;
    $<HTMLButtonElement>("label-start").disabled = false;
    if (initial.labels !== undefined && initial.labels !== "") {
      this.labels = [...initial.labels].map((c) => LETTER[c]);
      this.begin();
    }
  }

  private begin() {
    const batchSize = Number($<HTMLInputElement>("batch-size").value);
    const seed = Number($<HTMLInputElement>("label-seed").value);
    if (!(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 50))
      return this.status("Pairs per batch: a whole number from 1 to 50", true);
    if (!(Number.isInteger(seed) && seed >= 0)) return this.status("Seed: a whole number ≥ 0", true);
    this.spec = { exploration: $<HTMLSelectElement>("exploration").value as LabelSpec["exploration"], batchSize, seed };
    this.request("Loading the text testbed (Moby-Dick, 72 KB) and drawing the first pairs…");
    this.onChange();
  }

  private request(message: string) {
    this.busy = true;
    this.setChoicesEnabled(false);
    this.status(message);
    this.worker.post({ type: "label", spec: this.spec!, labels: this.labels });
  }

  private answer(l: Label) {
    if (this.busy || !this.last) return;
    this.labels.push(l);
    this.onChange();
    const done = this.labels.length - this.last.labels;
    if (done >= this.last.pending.length)
      this.request(`Fitting your ${this.labels.length} labels and updating the policy…`);
    else this.showPair();
  }

  onMessage(m: FromWorker) {
    if (m.type === "error") {
      this.busy = false;
      return this.status(m.message, true);
    }
    if (m.type !== "label-state") return;
    this.busy = false;
    this.last = m.state;
    // Labels beyond the batches the worker used (a link cut mid-batch) are answers to its pending pairs.
    this.showScores(m.state);
    this.showPair();
  }

  private showPair() {
    const s = this.last!;
    const pair = s.pending[this.labels.length - s.labels];
    $("pair").hidden = !pair;
    if (!pair) return;
    $("pair-prompt").textContent =
      `Pair ${pair.index + 1} (batch of ${s.pending.length}). Prompt: “${pair.prompt} …”. Which continuation do you prefer?`;
    const a = $("choose-a"),
      b = $("choose-b");
    a.textContent = `1. ${pair.a}`;
    b.textContent = `2. ${pair.b}`;
    a.dataset.tokens = pair.tokens[0].join(",");
    b.dataset.tokens = pair.tokens[1].join(",");
    $("pair").dataset.prompt = String(pair.x);
    $("pair").dataset.index = String(pair.index);
    this.setChoicesEnabled(true);
    this.status(`${this.labels.length} labels so far.`);
  }

  private setChoicesEnabled(on: boolean) {
    for (const id of ["choose-a", "choose-b", "choose-tie"]) $<HTMLButtonElement>(id).disabled = !on;
  }

  private showScores(s: LabelState) {
    $("score-labels").textContent = String(s.labels);
    $("score-reference").textContent = fmt(s.referenceSubopt);
    $("score-yours").textContent = fmt(s.yourSubopt);
    $("score-yours").dataset.value = String(s.yourSubopt);
    $("score-reference").dataset.value = String(s.referenceSubopt);
    $("score-oracle").textContent = fmt(s.oracleSubopt);
    $("score-optimum-yours").textContent = fmt(s.optimumUnderYours);
    $("score-confidence").textContent =
      s.estimationError === null
        ? "–"
        : `${fmt(s.estimationError)} against β = ${fmt(s.beta)} (${s.estimationError <= s.beta! ? "θ* inside" : "θ* outside"})`;
    const pw = s.positiveWords;
    $("score-positive").textContent = pw ? `${fmt(pw.reference)}, ${fmt(pw.yours)}, ${fmt(pw.optimal)}` : "–";
    $("label-samples").replaceChildren(
      ...s.samples.map((t) => {
        const li = document.createElement("li");
        li.textContent = t;
        return li;
      }),
    );
    const pts = (k: "yours" | "oracle") => [
      { x: 0, y: s.referenceSubopt },
      ...s.history.map((h) => ({ x: h.labels, y: h[k] })),
    ];
    drawChart(
      $("chart-labels") as unknown as SVGSVGElement,
      [
        { name: "your policy", color: "#1f6feb", points: pts("yours") },
        { name: "labels from the hidden r*", color: "#2b8a3e", dashed: true, points: pts("oracle") },
        {
          name: "π0",
          color: "#777",
          dashed: true,
          points: [0, Math.max(1, s.labels)].map((x) => ({ x, y: s.referenceSubopt })),
        },
        // the optimum, so that the chart shows how much of the way the labels went, not a zoom on the change
        { name: "π*", color: "#b35900", dashed: true, points: [0, Math.max(1, s.labels)].map((x) => ({ x, y: 0 })) },
      ],
      this.chartOptions(),
    );
    if (s.yourSubopt !== null && s.yourSubopt < s.referenceSubopt)
      $("view-label").dataset.beatReference = String(s.labels);
  }

  private chartOptions() {
    return {
      title: "SubOpt of the policy from your labels (0 is optimal)",
      xLabel: "labels",
      yLabel: "SubOpt",
      logY: false,
    };
  }

  private status(text: string, error = false) {
    const el = $("label-status");
    el.textContent = text;
    el.classList.toggle("error", error);
  }
}
