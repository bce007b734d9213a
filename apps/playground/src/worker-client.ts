// The page's handle on the worker that runs gsh.
import type { AlgorithmEntry, EnvironmentEntry, FromWorker, ToWorker } from "./protocol";

/** The worker, recreated when a run is stopped (terminating it is the only way to stop a trial mid-way). */
export class GshWorker {
  private worker!: Worker;
  constructor(private readonly onMessage: (m: FromWorker) => void) {
    this.start();
  }
  private start() {
    this.worker = new Worker(new URL("worker.js", import.meta.url), { type: "module" });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.onMessage(e.data);
    this.worker.onerror = (e) => this.onMessage({ type: "error", message: e.message || "the worker failed" });
  }
  post(m: ToWorker) {
    this.worker.postMessage(m);
  }
  restart() {
    this.worker.terminate();
    this.start();
  }
}

export interface Catalogue {
  readonly environments: readonly EnvironmentEntry[];
  readonly algorithms: readonly AlgorithmEntry[];
}
