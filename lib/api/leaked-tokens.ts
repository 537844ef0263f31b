import type { IncomingMessage, ServerResponse } from "node:http";

import { recordAudit } from "../db/audit";
import { db } from "../db/client";
import { takeRateLimit, type RateLimit } from "../db/rate-limit";
import { reportLeakedServiceKey, type ServiceKeyLeak } from "../db/service-mutations";
import { endGracePeriod, setTokenEnabled, type TokenActor, type Tx } from "../db/token-mutations";
import { logger } from "../logger";
import { clientIpOf } from "../server/client-ip";
import { checkServiceKeyFormat, checkTokenFormat, hashTokenValue } from "../tokens/format";
import { leakReportSchema, MAX_LEAK_CANDIDATES, type LeakCandidate } from "../validations/incident";
import { truncateText } from "../validations/text";
import { ApiError, badRequest, fromZodError, methodNotAllowed, unsupportedMediaType } from "./errors";
import { isJsonContentType, parseJsonBody, readBody, sendError, sendJson } from "./http";

// POST /v0/leaked-tokens: where secret scanners (GitHub secret scanning's partner program and the
// like) report strings they found in public places. No Keyward token is needed — a scanner has
// none — so the endpoint is rate-limited per client address, and its answer never depends on
// what matched: it is the same body and status for a real token, a dead one or junk, and it is
// sent before any match is acted on. Matching live values (tokens, and services' verification
// keys: lib/domain/services/key-leaks.ts) are handled per their org's policy:
// DISABLE (the token is disabled; a replaced value still in its grace period just stops working)
// or FLAG (marked for the admins' banner only). Either way the org's audit log records the report.

export const LEAKED_TOKENS_PATH = "/v0/leaked-tokens";

/** Enough for 1,000 scanner matches with their URLs. */
const BODY_LIMIT_BYTES = 1024 * 1024;
const DEFAULT_LIMIT: RateLimit = { requests: 30, windowMs: 60_000 };
const SOURCE_MAX_LENGTH = 500;

export type LeakHandling =
  | { tokenId: string; orgId: string; valueId: string; handling: "disabled" | "grace-ended" | "flagged" }
  /** A service's verification key (kws_…): revoked or flagged by the same org policy (lib/domain/services/key-leaks.ts). */
  | (ServiceKeyLeak & { tokenId?: never });

export type LeakReporter = { ip: string; userAgent: string | null };

/**
 * Acts on the candidates of one report; returns what was done (for logs and tests — never for the
 * reporter). Candidates that are not well-formed Keyward tokens are dropped before any lookup.
 */
export async function processLeakReport(
  candidates: readonly LeakCandidate[],
  reporter: LeakReporter,
  now = new Date(),
): Promise<LeakHandling[]> {
  const byHash = new Map<string, LeakCandidate>();
  const serviceKeysByHash = new Map<string, LeakCandidate>();
  for (const candidate of candidates) {
    const value = candidate.token.trim();
    const found = checkTokenFormat(value).ok ? byHash : checkServiceKeyFormat(value).ok ? serviceKeysByHash : null;
    if (!found) continue;
    const hash = hashTokenValue(value);
    if (!found.has(hash)) found.set(hash, candidate);
  }
  const handled: LeakHandling[] = await processLeakedServiceKeys(serviceKeysByHash, reporter, now);
  if (byHash.size === 0) return handled;

  const values = await db.apiTokenValue.findMany({
    where: { hash: { in: [...byHash.keys()] } },
    select: {
      id: true,
      hash: true,
      tokenId: true,
      orgId: true,
      lastFour: true,
      validUntil: true,
      token: { select: { status: true, org: { select: { leakedTokenPolicy: true } } } },
    },
  });
  const actor: TokenActor = { kind: "system", label: LEAK_REPORT_ACTOR, ip: reporter.ip, userAgent: reporter.userAgent };
  for (const value of values) {
    // A revoked token or a value that has stopped working cannot be abused any more.
    if (value.token.status === "REVOKED" || (value.validUntil !== null && value.validUntil <= now)) continue;
    const candidate = byHash.get(value.hash)!;
    const current = value.validUntil === null;
    const disable = value.token.org.leakedTokenPolicy === "DISABLE" && value.token.status === "ACTIVE";
    const report = {
      valueId: value.id,
      lastFour: value.lastFour,
      valueState: current ? "current" : "grace",
      type: candidate.type ?? null,
      url: candidate.url ?? null,
      source: candidate.source ?? null,
    };
    let handling: LeakHandling["handling"] = "flagged";
    const flagInTransaction = (tx: Tx) => flagLeaked(tx, value, report, handling, actor, now);
    if (disable) {
      handling = current ? "disabled" : "grace-ended";
      let flagged = false;
      const hooks = {
        auditMetadata: { reason: "leak-report", valueId: value.id },
        inTransaction: async (tx: Tx) => {
          await flagInTransaction(tx);
          flagged = true;
        },
      };
      if (current) await setTokenEnabled(actor, value.orgId, value.tokenId, false, hooks);
      else await endGracePeriod(actor, value.orgId, value.tokenId, { valueId: value.id, ...hooks });
      if (flagged) {
        handled.push({ tokenId: value.tokenId, orgId: value.orgId, valueId: value.id, handling });
        continue;
      }
      // Nothing to change after all (disabled or ended meanwhile): the report is still recorded.
      handling = "flagged";
    }
    await db.$transaction((tx) => flagInTransaction(tx));
    handled.push({ tokenId: value.tokenId, orgId: value.orgId, valueId: value.id, handling });
  }
  return handled;
}

const LEAK_REPORT_ACTOR = "Leaked-token report";

/** What the admins see as the report's source: its URL, else the scanner's source or type. */
const shownSource = (candidate: { type?: string | null; url?: string | null; source?: string | null }) =>
  truncateText(candidate.url ?? candidate.source ?? candidate.type ?? "", SOURCE_MAX_LENGTH) || null;

async function processLeakedServiceKeys(byHash: Map<string, LeakCandidate>, reporter: LeakReporter, now: Date): Promise<LeakHandling[]> {
  if (byHash.size === 0) return [];
  // One read for the whole report, as for tokens: a report of 1,000 made-up keys costs one query.
  const known = await db.service.findMany({ where: { keyHash: { in: [...byHash.keys()] } }, select: { keyHash: true } });
  const handled: LeakHandling[] = [];
  for (const { keyHash } of known) {
    const candidate = byHash.get(keyHash)!;
    const report = {
      type: candidate.type ?? null,
      url: candidate.url ?? null,
      source: candidate.source ?? null,
      shownSource: shownSource(candidate),
    };
    const leak = await reportLeakedServiceKey(keyHash, report, { label: LEAK_REPORT_ACTOR, ...reporter }, now);
    if (leak) handled.push(leak);
  }
  return handled;
}

async function flagLeaked(
  tx: Tx,
  value: { tokenId: string; orgId: string },
  report: Record<string, unknown> & { url: string | null; source: string | null; type: string | null },
  handling: LeakHandling["handling"],
  actor: TokenActor,
  now: Date,
): Promise<void> {
  const source = shownSource(report);
  await tx.apiToken.updateMany({
    where: { id: value.tokenId, orgId: value.orgId },
    data: { leakReportedAt: now, leakReportSource: source },
  });
  await recordAudit(tx, {
    orgId: value.orgId,
    actor: { type: "system", label: actor.label },
    action: "token.leak_reported",
    target: { type: "token", id: value.tokenId },
    metadata: { ...report, handling },
    ip: actor.ip,
    userAgent: actor.userAgent,
  });
}

export type LeakedTokensHandlerOptions = {
  trustedProxyHops: number;
  limit?: RateLimit;
  clock?: () => number;
  log?: (message: string, error?: unknown) => void;
  /** Tests observe what a report did; the reporter never does. */
  onHandled?: (handled: LeakHandling[]) => void;
};

export type LeakedTokensHandler = ((req: IncomingMessage, res: ServerResponse) => Promise<void>) & {
  /** Resolves when every report received so far has been acted on. */
  settled(): Promise<void>;
};

/** The same answer for every accepted report, whatever it contained. */
const ACCEPTED_BODY = (received: number) => ({
  received,
  message: "Thank you. Reported tokens that are live are handled by their organization's policy.",
});

export function createLeakedTokensHandler(options: LeakedTokensHandlerOptions): LeakedTokensHandler {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? ((message: string, error?: unknown) => logger.error({ err: error }, `api: ${message}`));
  const inProgress = new Set<Promise<void>>();

  const handler = (async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST") return sendError(res, methodNotAllowed(["POST"]));
    const ip = clientIpOf(req, options.trustedProxyHops);
    // Counted in the database: every server behind the load balancer shares one allowance per address.
    const wait = await takeRateLimit(`leaked-tokens:${ip}`, limit, clock());
    if (wait !== null) {
      req.resume();
      return sendError(
        res,
        new ApiError(429, "Too many reports from this address; try again later.", null, { "Retry-After": String(wait) }),
      );
    }
    let candidates: LeakCandidate[];
    try {
      candidates = await readReport(req);
    } catch (error) {
      if (error instanceof ApiError) return sendError(res, error);
      throw error;
    }
    sendJson(res, 202, ACCEPTED_BODY(candidates.length));

    const userAgent = req.headers["user-agent"]?.slice(0, 512) ?? null;
    const work = processLeakReport(candidates, { ip, userAgent })
      .then((handled) => options.onHandled?.(handled))
      .catch((error: unknown) => log("acting on a leaked-token report failed", error));
    inProgress.add(work);
    await work;
    inProgress.delete(work);
  }) as LeakedTokensHandler;

  handler.settled = async () => {
    await Promise.all([...inProgress]);
  };
  return handler;
}

async function readReport(req: IncomingMessage): Promise<LeakCandidate[]> {
  if (!isJsonContentType(req.headers["content-type"])) {
    req.resume();
    throw unsupportedMediaType("application/json");
  }
  const json = parseJsonBody(await readBody(req, BODY_LIMIT_BYTES));
  const count = Array.isArray(json)
    ? json.length
    : Array.isArray((json as { tokens?: unknown } | null)?.tokens)
      ? (json as { tokens: unknown[] }).tokens.length
      : 0;
  // Checked first so a long list gets this message rather than a union's generic one.
  if (count > MAX_LEAK_CANDIDATES) {
    throw new ApiError(413, `Send at most ${MAX_LEAK_CANDIDATES} candidates per request.`, { maxCandidates: MAX_LEAK_CANDIDATES });
  }
  const parsed = leakReportSchema.safeParse(json);
  if (!parsed.success) {
    throw badRequest('Send a JSON array of {token, type, url, source}, or {"tokens": [...]}.', fromZodError(parsed.error, "body").details);
  }
  return parsed.data;
}
