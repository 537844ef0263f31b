import { NetworkList } from "../domain/tokens/networks";
import type { RefusalReason } from "../domain/usage/refusals";
import type { ApiStore, TokenRecord } from "./store";

// Token metadata by value hash, so a request needs no read before its one write. The cache is
// never trusted on its own: the request's charge statement matches only a row still at the
// cached version, active and unexpired (every dashboard or API change bumps the version), and a
// miss there reloads from the database. What the cache alone decides — that a rotated-out value's
// grace has ended, that a token has expired — only gets stricter with time, and a cached
// "unusable" is re-read before the caller is refused.

const DEFAULT_MAX_ENTRIES = 10_000;

export type CachedToken = TokenRecord & {
  fromCache: boolean;
  /** The allowed networks, parsed once per load; null: any address. */
  networks: NetworkList | null;
  /** `scopes` split once per load: the scope check runs on every call. */
  scopeList: readonly string[];
};

export class TokenCache {
  // Stored frozen and handed out as they are: a copy per request was measurable on the hot path.
  readonly #entries = new Map<string, Readonly<CachedToken>>();

  constructor(
    private readonly store: ApiStore,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  /** The cached copy, if any (no await: most requests find their token here). */
  peek(hash: string): Readonly<CachedToken> | undefined {
    return this.#entries.get(hash);
  }

  async get(hash: string): Promise<Readonly<CachedToken> | null> {
    return this.#entries.get(hash) ?? this.reload(hash);
  }

  /** Reads the token from the database and replaces (or drops) the cached copy. */
  async reload(hash: string): Promise<CachedToken | null> {
    const record = await this.store.findTokenByHash(hash);
    this.#entries.delete(hash);
    if (!record) return null;
    if (this.#entries.size >= this.maxEntries) {
      // Maps iterate in insertion order: drop the longest-cached entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    const networks = NetworkList.fromStored(record.allowedNetworks);
    const scopeList = Object.freeze(record.scopes.split(" "));
    this.#entries.set(hash, Object.freeze({ ...record, networks, scopeList, fromCache: true }));
    return { ...record, networks, scopeList, fromCache: false };
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** Whether this value of the token may be used at `now`, judged from the record alone. */
export function isUsable(token: TokenRecord, now: number): boolean {
  return (
    token.status === "ACTIVE" &&
    (token.expiresAt === null || token.expiresAt > now) &&
    (token.validUntil === null || token.validUntil > now)
  );
}

/** Why a value that is not usable (see isUsable) is refused: the token's own state first, then the value's. */
export function unusableReason(token: TokenRecord, now: number): RefusalReason {
  if (token.status === "REVOKED") return "revoked";
  if (token.status === "DISABLED") return "disabled";
  if (token.expiresAt !== null && token.expiresAt <= now) return "expired";
  return "replaced";
}
