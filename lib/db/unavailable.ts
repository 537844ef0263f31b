// Which database failures are the database's state rather than the request's fault: locked
// longer than we wait, out of disk space, unreachable. Callers answer these with 503 and
// Retry-After (the request may simply be sent again), never with a 500 and a stack trace.
// Errors arrive raw (better-sqlite3, pg) or wrapped by Prisma's driver adapters, so the whole
// `cause` chain is searched.

export type UnavailableReason = "busy" | "full" | "unreachable";

// SQLite result codes (better-sqlite3 puts the extended name in `code`).
const SQLITE_REASONS: [prefix: string, reason: UnavailableReason][] = [
  ["SQLITE_BUSY", "busy"],
  ["SQLITE_LOCKED", "busy"],
  ["SQLITE_FULL", "full"],
  ["SQLITE_IOERR", "full"], // a write the file system refused (ENOSPC surfaces here on some systems)
  ["SQLITE_READONLY", "full"],
  ["SQLITE_CANTOPEN", "unreachable"],
];

// PostgreSQL SQLSTATEs: lock_not_available, query_canceled (our lock/statement timeouts),
// serialization/deadlock, insufficient resources (disk full, out of memory, too many connections),
// connection exceptions, the server starting or shutting down.
const POSTGRES_REASONS: [prefix: string, reason: UnavailableReason][] = [
  ["55P03", "busy"],
  ["57014", "busy"],
  ["40001", "busy"],
  ["40P01", "busy"],
  ["53100", "full"],
  ["53", "busy"],
  ["08", "unreachable"],
  ["57P", "unreachable"],
];

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOSPC"]);

// Prisma's driver-adapter error kinds and its own request error codes.
const ADAPTER_KINDS: Record<string, UnavailableReason> = {
  TransactionWriteConflict: "busy",
  SocketTimeout: "busy",
  TooManyConnections: "busy",
  DatabaseNotReachable: "unreachable",
  ConnectionClosed: "unreachable",
};
const PRISMA_CODES: Record<string, UnavailableReason> = {
  P1001: "unreachable",
  P1002: "unreachable",
  P1008: "busy",
  P1017: "unreachable",
  P2024: "busy",
  P2034: "busy",
};

/** Why the database cannot serve this request right now, or null when the error is something else. */
export function databaseUnavailableReason(error: unknown): UnavailableReason | null {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (!current || typeof current !== "object" || seen.has(current)) continue;
    seen.add(current);
    const found = reasonOf(current as Record<string, unknown>);
    if (found) return found;
    // Prisma's request errors carry the driver's error in meta.driverAdapterError, not in `cause`.
    const { cause, meta } = current as { cause?: unknown; meta?: { driverAdapterError?: unknown } };
    pending.push(cause, meta?.driverAdapterError);
  }
  return null;
}

function reasonOf(error: Record<string, unknown>): UnavailableReason | null {
  const code = typeof error.code === "string" ? error.code : null;
  const kind = typeof error.kind === "string" ? error.kind : null;
  if (code?.startsWith("SQLITE_")) return SQLITE_REASONS.find(([prefix]) => code.startsWith(prefix))?.[1] ?? null;
  if (code && code in PRISMA_CODES) return PRISMA_CODES[code]!;
  if (code && NETWORK_CODES.has(code)) return code === "ENOSPC" ? "full" : "unreachable";
  if (kind && kind in ADAPTER_KINDS) return ADAPTER_KINDS[kind]!;
  // An adapter's database-specific error: { kind: "sqlite", extendedCode, message } or { kind: "postgres", code }.
  if (kind === "sqlite" && typeof error.message === "string") {
    const match = /SQLITE_[A-Z_]+/.exec(error.message);
    if (match) return reasonOf({ code: match[0] });
    if (/database is locked|disk is full|disk I\/O error/i.test(error.message)) return /locked/i.test(error.message) ? "busy" : "full";
  }
  const sqlState = kind === "postgres" ? (typeof error.code === "string" ? error.code : null) : looksLikeSqlState(code);
  if (sqlState) return POSTGRES_REASONS.find(([prefix]) => sqlState.startsWith(prefix))?.[1] ?? null;
  return null;
}

const looksLikeSqlState = (code: string | null) => (code && /^[0-9A-Z]{5}$/.test(code) ? code : null);
