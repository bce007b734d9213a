// Share and export: the link (the address bar already holds the state), the state and rows as one JSON file to
// import later, and the rows as a results directory (suite.json and results.jsonl) that `gsh report` reads.
import type { RunView } from "./run-view";
import { type PageState, decodeState, encodeState } from "./url-state";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
export const EXPORT_FORMAT = "gsh/playground-state@1";

function download(name: string, text: string, type: string) {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

export class ShareView {
  constructor(
    private readonly run: RunView,
    private readonly restore: (s: Partial<PageState>) => void,
  ) {
    $("copy-link").addEventListener("click", () => {
      navigator.clipboard?.writeText(location.href).then(
        () => this.status("Link copied."),
        () => this.status(`Copy this link: ${location.href}`),
      );
    });
    $("export-json").addEventListener("click", () => {
      const state = decodeState(location.hash);
      download(
        "gsh-playground.json",
        JSON.stringify(
          { format: EXPORT_FORMAT, state, suite: this.run.suiteRecord, rows: [...this.run.rawRows.values()] },
          null,
          1,
        ),
        "application/json",
      );
      this.status("Exported gsh-playground.json.");
    });
    $<HTMLInputElement>("import-json").addEventListener("change", (e) => void this.importFile(e));
    $("export-results").addEventListener("click", () => this.exportResults());
  }

  private async importFile(e: Event) {
    {
      const file = (e.target as HTMLInputElement).files?.[0];
      if (!file) return;
      try {
        const v = JSON.parse(await file.text()) as { format?: string; state?: Partial<PageState> };
        if (v.format !== EXPORT_FORMAT || typeof v.state !== "object" || !v.state)
          throw new Error(`not a playground export (format ${JSON.stringify(v.format)}, expected ${EXPORT_FORMAT})`);
        this.restore(decodeState(encodeState(v.state)));
      } catch (err) {
        this.status(`Cannot import ${file.name}: ${(err as Error).message}`, true);
      }
    }
  }

  private exportResults() {
    {
      download("suite.json", JSON.stringify(this.run.suiteRecord, null, 2), "application/json");
      download(
        "results.jsonl",
        [...this.run.rawRows.values()].map((r) => JSON.stringify(r)).join("\n") + "\n",
        "application/x-ndjson",
      );
      this.status("Exported suite.json and results.jsonl: put both in one folder and run `gsh report <folder>`.");
    }
  }

  update() {
    $<HTMLButtonElement>("export-results").disabled = this.run.rawRows.size === 0 || !this.run.suiteRecord;
  }

  private status(text: string, error = false) {
    const el = $("share-status");
    el.textContent = text;
    el.classList.toggle("error", error);
  }
}
