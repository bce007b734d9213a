// The page: no gsh code here (it is all in the worker), so the first screen is this file, the HTML and the CSS.
import { GshWorker } from "./worker-client";
import { type PageState, decodeState, encodeState } from "./url-state";
import { RunView } from "./run-view";
import { LabellerView } from "./labeller-view";
import { ShareView } from "./share-view";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const initial = decodeState(location.hash);
let updatingUrl = false;

/** Writes the state of every view into the fragment (replaceState: no history entry per keystroke). */
function saveState() {
  if (updatingUrl) return;
  const state: PageState = { view: currentView(), ...run.state(), ...labeller.state() };
  history.replaceState(null, "", `#${encodeState(state)}`);
}

const worker = new GshWorker((m) => {
  if (m.type === "catalogue") {
    run.setCatalogue(m, initial);
    labeller.enable(initial);
    // The first screen is interactive: the controls are filled and Run works.
    document.documentElement.dataset.interactiveMs = String(Math.round(performance.now()));
    return;
  }
  if (m.type === "label-state" || (m.type === "error" && m.runId === undefined && labeller.busy)) labeller.onMessage(m);
  else run.onMessage(m);
  share.update();
});

const run = new RunView(worker, saveState);
const labeller = new LabellerView(worker, saveState);
const share = new ShareView(run, (s) => applyImported(s));

function applyImported(s: Partial<PageState>) {
  location.hash = encodeState(s);
  location.reload();
}

// ---- tabs (WAI-ARIA tabs pattern: arrow keys move between tabs, Tab moves into the panel) ----
const tabs = ["run", "label", "share"] as const;
function currentView(): PageState["view"] {
  return tabs.find((t) => $(`tab-${t}`).getAttribute("aria-selected") === "true") ?? "run";
}
function showView(view: PageState["view"], focus = false) {
  for (const t of tabs) {
    const on = t === view;
    const tab = $(`tab-${t}`);
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`view-${t}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  saveState();
}
tabs.forEach((t, i) => {
  const tab = $(`tab-${t}`);
  tab.addEventListener("click", () => showView(t));
  tab.addEventListener("keydown", (e) => {
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (step) showView(tabs[(i + step + tabs.length) % tabs.length], true);
  });
});
updatingUrl = true;
showView(initial.view ?? "run");
updatingUrl = false;

worker.post({ type: "catalogue" });
