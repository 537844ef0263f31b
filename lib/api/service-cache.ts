import type { ServiceRecord } from "./store";

// Services by a lookup key (the verification-key hash for /v1/verify; the gateway can key by org
// and slug), so a verify needs no read before its one write. Like the
// token cache (token-cache.ts), never trusted alone: the charge matches only while the service is
// at the cached version and enabled (every dashboard change bumps it), and a cached "disabled"
// is re-read before a call is refused.

const DEFAULT_MAX_ENTRIES = 1_000;

export type CachedService = ServiceRecord & { fromCache: boolean; scopeSet: ReadonlySet<string> };

export class ServiceCache {
  readonly #entries = new Map<string, Readonly<CachedService>>();

  /** `load` reads the service named by a lookup key from the database (e.g. store.findServiceByKeyHash). */
  constructor(
    private readonly load: (key: string) => Promise<ServiceRecord | null>,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  peek(key: string): Readonly<CachedService> | undefined {
    return this.#entries.get(key);
  }

  /** Reads the service from the database and replaces (or drops) the cached copy. */
  async reload(key: string): Promise<CachedService | null> {
    const record = await this.load(key);
    this.#entries.delete(key);
    if (!record) return null;
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const scopeSet = new Set(record.scopes);
    this.#entries.set(key, Object.freeze({ ...record, scopeSet, fromCache: true }));
    return { ...record, scopeSet, fromCache: false };
  }
}
