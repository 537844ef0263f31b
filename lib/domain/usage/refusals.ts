// Refused calls the REST API counts instead of logging. A call refused before its endpoint runs,
// made with a known token, adds one to a counter per token, value, reason and minute
// (RefusedCallCount) instead of writing a UsageEvent row: a client retrying a revoked value in a
// loop cannot fill the usage table, and the dashboard can still show that the value is in use.
// Pure: imported by the API's usage recorder (outside Next.js) and by the dashboard.

export const REFUSAL_REASONS = ["revoked", "disabled", "expired", "replaced", "quota", "scope", "network"] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** What the dashboard calls each reason. */
export const REFUSAL_LABELS: Record<RefusalReason, string> = {
  revoked: "refused: token revoked",
  disabled: "refused: token disabled",
  expired: "refused: token expired",
  replaced: "refused: value replaced",
  quota: "refused: quota spent",
  scope: "refused: missing scope",
  network: "refused: outside allowed networks",
};

/** The status the API answers each reason with: the usage rollups classify the calls by it. */
export const REFUSAL_STATUS: Record<RefusalReason, 401 | 403 | 429> = {
  revoked: 401,
  disabled: 401,
  expired: 401,
  replaced: 401,
  quota: 429,
  scope: 403,
  network: 403,
};

export const MINUTE_MS = 60_000;

/** One refused call, as the API handler reports it. */
export type RefusedCall = {
  tokenId: string;
  valueId: string;
  orgId: string;
  reason: RefusalReason;
  at: number;
  method: string;
  route: string;
  ip: string | null;
  userAgent: string | null;
};

/**
 * Refused calls alike in all the counters and the usage rollups keep (the minute, and the route,
 * IP and user agent the rollups' top lists break calls down by), counted.
 */
export type RefusedCallGroup = Omit<RefusedCall, "at"> & { minute: number; count: number; lastAt: number };

/** Beyond this many distinct groups waiting to be written (the database has been failing), new ones are dropped. */
const MAX_PENDING_GROUPS = 100_000;

/**
 * Counts refused calls in memory until the recorder writes them. On the API's hot path: a call
 * like the previous one (one client retrying) only increments, without building a key.
 */
export class RefusalTally {
  #groups = new Map<string, RefusedCallGroup>();
  #last: RefusedCallGroup | null = null;
  #dropped = 0;

  add(call: RefusedCall): void {
    const minute = call.at - (call.at % MINUTE_MS);
    const last = this.#last;
    if (
      last !== null &&
      last.minute === minute &&
      last.tokenId === call.tokenId &&
      last.valueId === call.valueId &&
      last.reason === call.reason &&
      last.route === call.route &&
      last.method === call.method &&
      last.ip === call.ip &&
      last.userAgent === call.userAgent
    ) {
      last.count += 1;
      if (call.at > last.lastAt) last.lastAt = call.at;
      return;
    }
    const group: RefusedCallGroup = {
      tokenId: call.tokenId,
      valueId: call.valueId,
      orgId: call.orgId,
      reason: call.reason,
      minute,
      method: call.method,
      route: call.route,
      ip: call.ip,
      userAgent: call.userAgent,
      count: 1,
      lastAt: call.at,
    };
    this.#last = this.#merge(group);
  }

  /** Puts groups back (a write that failed), adding them to what was counted since. */
  restore(groups: readonly RefusedCallGroup[]): void {
    for (const group of groups) this.#merge({ ...group });
  }

  /** Everything counted so far, and starts afresh. */
  take(): RefusedCallGroup[] {
    const groups = [...this.#groups.values()];
    this.#groups = new Map();
    this.#last = null;
    return groups;
  }

  get size(): number {
    return this.#groups.size;
  }

  /** Calls dropped since the last call of this (the tally was full), and resets the number. */
  takeDropped(): number {
    const dropped = this.#dropped;
    this.#dropped = 0;
    return dropped;
  }

  #merge(group: RefusedCallGroup): RefusedCallGroup | null {
    // NUL cannot occur in these fields; U+0001 stands for "none" (header values cannot hold it).
    const key = `${group.tokenId}\u0000${group.valueId}\u0000${group.reason}\u0000${group.minute}\u0000${group.method}\u0000${group.route}\u0000${group.ip ?? "\u0001"}\u0000${group.userAgent ?? "\u0001"}`;
    const found = this.#groups.get(key);
    if (found) {
      found.count += group.count;
      if (group.lastAt > found.lastAt) found.lastAt = group.lastAt;
      return found;
    }
    if (this.#groups.size >= MAX_PENDING_GROUPS) {
      this.#dropped += group.count;
      return null;
    }
    this.#groups.set(key, group);
    return group;
  }
}
