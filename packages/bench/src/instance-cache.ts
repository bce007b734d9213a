import { LRUCache } from "lru-cache";
import type { EnvironmentDefinition, EnvironmentInstance } from "@gsh/testbeds";
import { canonicalJson } from "./fingerprint";

// A worker runs many trials of one environment variant (every algorithm and budget of each seed): where the
// definition allows it (`reuse`), they share one instance and the values derived from it, instead of rebuilding T's
// truth or S-large's dense π* per trial. Sharing cannot change a number: an instance is a pure function of its key
// and nothing writes into it.

// Instance keys use the fingerprint's canonical form (keys sorted at every depth).
export { canonicalJson };

/**
 * What identifies the instance `def.create(seed, params)` returns: the environment's name, its parameters and the
 * seed, without the seed where the definition declares its instances seed-independent ("any-seed").
 */
export function instanceKey(def: Pick<EnvironmentDefinition, "name" | "reuse">, params: unknown, seed: number): string {
  const variant = `${def.name}|${canonicalJson(params)}`;
  return def.reuse === "any-seed" ? variant : `${variant}|seed=${seed}`;
}

/**
 * Bytes held by the typed arrays reachable from an instance through plain data properties (getters are not called:
 * they build lazy parts such as T's dense π*), each buffer counted once. An estimate for the cache's bound.
 */
export function instanceBytes(instance: EnvironmentInstance): number {
  const buffers = new Set<ArrayBufferLike>();
  const seen = new Set<object>();
  const visit = (v: unknown, depth: number): void => {
    if (v === null || typeof v !== "object" || seen.has(v) || depth > 6) return;
    seen.add(v);
    if (ArrayBuffer.isView(v)) {
      buffers.add(v.buffer);
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) visit(x, depth + 1);
      return;
    }
    for (const d of Object.values(Object.getOwnPropertyDescriptors(v))) if ("value" in d) visit(d.value, depth + 1);
  };
  visit(instance, 0);
  let bytes = 0;
  for (const b of buffers) bytes += b.byteLength;
  return bytes;
}

/**
 * Bytes of instances a worker keeps (least recently used dropped first): 10 seeds of S-large (≈ 23 MB each, its
 * dense π*) and both variants of T fit, so the sequence and text suites' trial order (every seed of one algorithm and
 * budget, then the next) hits.
 */
export const INSTANCE_CACHE_BYTES = 1536 * 2 ** 20;

/** Instances by `instanceKey`, for definitions that allow reuse; bounded by `maxBytes` (least recently used out). */
export class InstanceCache {
  readonly #lru: LRUCache<string, EnvironmentInstance>;
  #created = 0;

  constructor(maxBytes: number = INSTANCE_CACHE_BYTES) {
    this.#lru = new LRUCache<string, EnvironmentInstance>({
      maxSize: maxBytes,
      sizeCalculation: (v) => Math.max(1, instanceBytes(v)),
    });
  }

  /** The instance of (seed, params): a kept one where `def.reuse` allows it, else a new one (kept if it may be). */
  get<P>(def: EnvironmentDefinition<P>, seed: number, params: P): EnvironmentInstance {
    if (!def.reuse) {
      this.#created++;
      return def.create(seed, params);
    }
    const key = instanceKey(def, params, seed);
    const hit = this.#lru.get(key);
    if (hit) return hit;
    this.#created++;
    const made = def.create(seed, params);
    this.#lru.set(key, made);
    return made;
  }

  /** Instances created so far (hits do not count). */
  get created(): number {
    return this.#created;
  }

  /** Instances kept now, and the bytes they hold by `instanceBytes`. */
  get kept(): { readonly count: number; readonly bytes: number } {
    return { count: this.#lru.size, bytes: this.#lru.calculatedSize };
  }
}

/**
 * Values derived from one instance (the Gibbs frontier, SubOpt(π0), T's sentences of π0 and π*), computed once per
 * worker and keyed by `instanceKey` and what they are. Bounded by count: at `maxEntries` it starts afresh.
 */
export class PerInstanceValues {
  readonly #values = new Map<string, unknown>();
  constructor(readonly maxEntries = 1000) {}

  once<T>(key: string, what: string, compute: () => T): T {
    const k = `${what}|${key}`;
    if (this.#values.has(k)) return this.#values.get(k) as T;
    if (this.#values.size >= this.maxEntries) this.#values.clear();
    const v = compute();
    this.#values.set(k, v);
    return v;
  }

  get size(): number {
    return this.#values.size;
  }
}
