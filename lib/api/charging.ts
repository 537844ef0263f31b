import { TOKEN_REFUSAL_MESSAGES } from "../auth/api-token";
import { nextQuotaReset, quotaAt, type QuotaNow, type QuotaWindow } from "../domain/tokens/quota";
import type { RefusalReason } from "../domain/usage/refusals";
import { databaseBusy, quotaExceeded, unauthorized, type ApiError } from "./errors";
import { nextRequestId } from "./request-id";
import type { ApiStore, ChargeResult, TokenRecord } from "./store";
import { isUsable, unusableReason, type CachedToken, type TokenCache } from "./token-cache";
import type { UsageRecorder } from "./usage-recorder";

// The charge rule of every token-authorized call (/v0/, the gateway /gw/, POST /v1/verify): one
// charge statement that also confirms the cached token (and service) are current; when it matches
// no row, a fresh read decides whether the token became unusable, changed (retry), or spent its
// quota. Each caller shapes its own answer from the verdict; usage and refusals are recorded here.
// Plain functions over plain objects: the hot path allocates no closures per request.

/** A reload that finds a newer version retries the charge; a token changing this often is refused as busy. */
export const MAX_CHARGE_ATTEMPTS = 4;

/** Everything a usage row needs besides the token, status and cost; one per request. */
export type Call = { now: number; method: string; route: string; ip: string; userAgent: string | null };

/** Where a handler's usage goes: the batched recorder, and the refusal counter of /metrics. Made once per handler. */
export type UsageLog = { recorder: UsageRecorder; onRefused?: (reason: RefusalReason) => void };

/** Why a charge matched no row, decided on a fresh read of the token (see whyUncharged). */
export type Uncharged = "unusable" | "retry" | "busy" | "quota";

/**
 * Charges `cost` for `call` if `token` is still at its cached version (and `service`, when given,
 * too); null when the statement matched no row. `readOrg` also reads the token's organization.
 */
export function chargeCall(
  store: ApiStore,
  call: Call,
  token: TokenRecord,
  cost: number,
  readOrg: boolean,
  service?: { id: string; version: number },
): Promise<ChargeResult | null> {
  return store.charge({
    tokenId: token.tokenId,
    version: token.version,
    cost,
    now: call.now,
    nextResetAt: nextResetAfter(token.quotaWindow, call.now),
    readOrg,
    service,
  });
}

/**
 * The verdict on a charge that matched no row, given the token it was charged at and a fresh read
 * of it: unusable now; changed (or a service changed, or a free call, which no quota refuses) so
 * "retry", or "busy" once MAX_CHARGE_ATTEMPTS are spent; otherwise the quota is spent.
 */
export function whyUncharged(
  charged: TokenRecord,
  fresh: TokenRecord | null,
  serviceChanged: boolean,
  cost: number,
  attempt: number,
  now: number,
): Uncharged {
  if (!fresh || !isUsable(fresh, now)) return "unusable";
  if (fresh.version !== charged.version || serviceChanged || cost === 0) return attempt < MAX_CHARGE_ATTEMPTS ? "retry" : "busy";
  return "quota";
}

/** What a service call's charge was made at, and how far its retries have gone (reloadAfterMiss). */
export type MissedCharge = { token: TokenRecord; service: { version: number }; cost: number; attempt: number; now: number };

/** The verdict on a missed charge, and the fresh copies of the token and the service (null: gone) to refuse or retry with. */
export type AfterMiss<S> = { why: Uncharged; token: CachedToken | null; service: S | null };

/**
 * A service call's charge (the gateway's, POST /v1/verify's) matched no row: the token and the
 * service are read afresh, together (and re-cached), and whyUncharged decides; a service gone or
 * at another version counts as changed. One function, so the two callers retry, refuse and give
 * up as busy alike; each shapes its own answer from the verdict.
 */
export async function reloadAfterMiss<S extends { version: number }>(
  tokens: TokenCache,
  tokenHash: string,
  reloadService: () => Promise<S | null>,
  missed: MissedCharge,
): Promise<AfterMiss<S>> {
  const [token, service] = await Promise.all([tokens.reload(tokenHash), reloadService()]);
  const serviceChanged = service?.version !== missed.service.version;
  return { why: whyUncharged(missed.token, token, serviceChanged, missed.cost, missed.attempt, missed.now), token, service };
}

/** The token's quota at `now` (for a "quota" refusal's details). */
export function quotaNow(token: TokenRecord, now: number): QuotaNow {
  return quotaAt({ ...token, quotaResetAt: new Date(token.quotaResetAt) }, new Date(now));
}

/**
 * The HTTP refusal (/v0/ and the gateway) of a call that was not charged, recorded: an unusable
 * (or unknown, null) token is a bad token, "busy" a 503, "quota" the quota's 429.
 */
export function unchargedRefusal(log: UsageLog, call: Call, token: TokenRecord | null, why: Exclude<Uncharged, "retry">): ApiError {
  if (why === "unusable" || !token) {
    if (token) recordRefusal(log, call, token, unusableReason(token, call.now));
    return unauthorized(TOKEN_REFUSAL_MESSAGES["bad-token"]);
  }
  if (why === "busy") {
    recordUsage(log, call, token, 503, 0);
    return databaseBusy();
  }
  recordRefusal(log, call, token, "quota");
  const quota = quotaNow(token, call.now);
  return quotaExceeded({ remaining: quota.remaining, max: quota.max, resetAt: quota.resetsAt.getTime() }, call.now);
}

/** A charged (free) call refused before it ran: counted as its refusal reason, or a usage row with its status. */
export function recordRefused(log: UsageLog, call: Call, token: TokenRecord, refusal: ApiError): void {
  if (refusal.countedAs) recordRefusal(log, call, token, refusal.countedAs);
  else recordUsage(log, call, token, refusal.status, 0);
}

export function recordUsage(log: UsageLog, call: Call, token: TokenRecord, status: number, cost: number, requestId?: string): void {
  log.recorder.record({
    requestId: requestId ?? nextRequestId(call.now),
    tokenId: token.tokenId,
    valueId: token.valueId,
    orgId: token.orgId,
    at: call.now,
    method: call.method,
    route: call.route,
    status,
    ip: call.ip,
    userAgent: call.userAgent,
    cost,
  });
}

/** Refused before the call ran: a counter, not a usage row (lib/domain/usage/refusals.ts). */
export function recordRefusal(log: UsageLog, call: Call, token: TokenRecord, reason: RefusalReason): void {
  log.onRefused?.(reason);
  log.recorder.recordRefusal({
    tokenId: token.tokenId,
    valueId: token.valueId,
    orgId: token.orgId,
    reason,
    at: call.now,
    method: call.method,
    route: call.route,
    ip: call.ip,
    userAgent: call.userAgent,
  });
}

// The end of the quota window a call at `now` falls in, for each kind of window: the same for every
// call until that end, so computed (through the Date the server's Next.js wraps) once per window.
const WINDOW_ENDS = new Map<QuotaWindow, { from: number; end: number }>();

function nextResetAfter(window: QuotaWindow, now: number): number {
  const known = WINDOW_ENDS.get(window);
  // No window boundary lies in [from, end), so any `now` in there has the same next boundary.
  if (known && known.from <= now && now < known.end) return known.end;
  const end = nextQuotaReset(window, new Date(now)).getTime();
  WINDOW_ENDS.set(window, { from: now, end });
  return end;
}
