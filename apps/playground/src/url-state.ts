// The page's state in the address bar's fragment (nothing is sent to a server): what a shared link restores.

export interface PageState {
  view: "run" | "label" | "share";
  env: string;
  eta: string;
  algA: string;
  paramsA: string;
  algB: string;
  paramsB: string;
  budget: string;
  seeds: string;
  exploration: string;
  batchSize: string;
  labelSeed: string;
  /** Your labels in order: a (first preferred), b (second preferred), t (tie). */
  labels: string;
}

const KEYS: Record<keyof PageState, string> = {
  view: "view",
  env: "env",
  eta: "eta",
  algA: "a",
  paramsA: "pa",
  algB: "b",
  paramsB: "pb",
  budget: "budget",
  seeds: "seeds",
  exploration: "ex",
  batchSize: "bs",
  labelSeed: "ls",
  labels: "labels",
};

export function encodeState(s: Partial<PageState>): string {
  const q = new URLSearchParams();
  for (const [k, short] of Object.entries(KEYS) as [keyof PageState, string][])
    // an empty value is kept: "no algorithm B" must not restore as the default B
    if (s[k] !== undefined) q.set(short, s[k]);
  return q.toString();
}

/** Whatever the fragment holds; unknown keys are ignored, missing ones left to the page's defaults. */
export function decodeState(fragment: string): Partial<PageState> {
  const q = new URLSearchParams(fragment.replace(/^#/, ""));
  const out: Partial<PageState> = {};
  for (const [k, short] of Object.entries(KEYS) as [keyof PageState, string][]) {
    const v = q.get(short);
    if (v !== null) (out as Record<string, string>)[k] = v;
  }
  if (out.view && !["run", "label", "share"].includes(out.view)) delete out.view;
  if (out.labels && !/^[abt]*$/.test(out.labels)) delete out.labels;
  return out;
}
