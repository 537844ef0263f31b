import type { IncomingMessage, ServerResponse } from "node:http";
import { recordAudit } from "../db/audit";
import { db } from "../db/client";
import { endGracePeriod, setTokenEnabled, type TokenActor, type Tx } from "../db/token-mutations";
import { clientIpOf } from "../server/client-ip";
import { checkTokenFormat, hashTokenValue } from "../tokens/format";
import { leakReportSchema, MAX_LEAK_CANDIDATES, type LeakCandidate } from "../validations/incident";
import { JSON_TOO_DEEP_MESSAGE, jsonTextWithinDepth } from "../validations/json-depth";
import { isStorableDeep, truncateText } from "../validations/text";
import { ApiError, badRequest, errorBody, fromZodError, methodNotAllowed, payloadTooLarge, unsupportedMediaType } from "./errors";
import { logger } from "../logger";

// POST /v0/leaked-tokens: where secret scanners (GitHub secret scanning's partner program and the
// like) report strings they found in public places. No Keyward token is needed — a scanner has
// none — so the endpoint is rate-limited per client address, and its answer never depends on
// what matched: it is the same body and status for a real token, a dead one or junk, and it is
// sent before any match is acted on. Matching live values are handled per their org's policy:
// DISABLE (the token is disabled; a replaced value still in its grace period just stops working)
// or FLAG (marked for the admins' banner only). Either way the org's audit log records the report.

export const LEAKED_TOKENS_PATH = "/v0/leaked-tokens";

/** Enough for 1,000 scanner matches with their URLs. */
const BODY_LIMIT_BYTES = 1024 * 1024;
const DEFAULT_LIMIT = { requests: 30, windowMs: 60_000 };
const MAX_TRACKED_ADDRESSES = 10_000;
const SOURCE_MAX_LENGTH = 500;

export type LeakHandling = { tokenId: string; orgId: string; valueId: string; handling: "disabled" | "grace-ended" | "flagged" };

export type LeakReporter = { ip: string; userAgent: string | null };

/**
 * Acts on the candidates of one report; returns what was done (for logs and tests — never for the
 * reporter). Candidates that are not well-formed Keyward tokens are dropped before any lookup.
 */
export async function processLeakReport(candidates: readonly LeakCandidate[], reporter: LeakReporter, now = new Date()): Promise<LeakHandling[]> {
  const byHash = new Map<string, LeakCandidate>();
  for (const candidate of candidates) {
    const value = candidate.token.trim();
    if (!checkTokenFormat(value).ok) continue;
    const hash = hashTokenValue(value);
    if (!byHash.has(hash)) byHash.set(hash, candidate);
  }
  if (byHash.size === 0) return [];

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
  const actor: TokenActor = { kind: "system", label: "Leaked-token report", ip: reporter.ip, userAgent: reporter.userAgent };
  const handled: LeakHandling[] = [];
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

async function flagLeaked(
  tx: Tx,
  value: { tokenId: string; orgId: string },
  report: Record<string, unknown> & { url: string | null; source: string | null; type: string | null },
  handling: LeakHandling["handling"],
  actor: TokenActor,
  now: Date,
): Promise<void> {
  const source = truncateText(report.url ?? report.source ?? report.type ?? "", SOURCE_MAX_LENGTH) || null;
  await tx.apiToken.updateMany({ where: { id: value.tokenId, orgId: value.orgId }, data: { leakReportedAt: now, leakReportSource: source } });
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

/** Requests per client address per window (fixed windows, in memory: one process serves the API). */
export class AddressRateLimiter {
  readonly #windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly requests: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one request; returns the seconds to wait when it is over the limit, else null. */
  take(address: string, now: number): number | null {
    let window = this.#windows.get(address);
    if (!window || now - window.start >= this.windowMs) {
      if (!window && this.#windows.size >= MAX_TRACKED_ADDRESSES) this.#prune(now);
      window = { start: now, count: 0 };
      this.#windows.set(address, window);
    }
    window.count++;
    if (window.count <= this.requests) return null;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  #prune(now: number): void {
    for (const [address, window] of this.#windows) if (now - window.start >= this.windowMs) this.#windows.delete(address);
    // Still full of live windows (many addresses at once): forget the oldest rather than grow.
    while (this.#windows.size >= MAX_TRACKED_ADDRESSES) this.#windows.delete(this.#windows.keys().next().value!);
  }
}

export type LeakedTokensHandlerOptions = {
  trustedProxyHops: number;
  limit?: { requests: number; windowMs: number };
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
const ACCEPTED_BODY = (received: number) => ({ received, message: "Thank you. Reported tokens that are live are handled by their organization's policy." });

export function createLeakedTokensHandler(options: LeakedTokensHandlerOptions): LeakedTokensHandler {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const limiter = new AddressRateLimiter(limit.requests, limit.windowMs);
  const clock = options.clock ?? Date.now;
  const log = options.log ?? ((message: string, error?: unknown) => logger.error({ err: error }, `api: ${message}`));
  const inProgress = new Set<Promise<void>>();

  const handler = (async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST") return send(res, methodNotAllowed(["POST"]));
    const ip = clientIpOf(req, options.trustedProxyHops);
    const wait = limiter.take(ip, clock());
    if (wait !== null) {
      req.resume();
      return send(res, new ApiError(429, "Too many reports from this address; try again later.", null, { "Retry-After": String(wait) }));
    }
    let candidates: LeakCandidate[];
    try {
      candidates = await readReport(req);
    } catch (error) {
      if (error instanceof ApiError) return send(res, error);
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
  const contentType = req.headers["content-type"];
  if (!contentType || !/^application\/(.+\+)?json\b/i.test(contentType)) {
    req.resume();
    throw unsupportedMediaType("application/json");
  }
  const raw = await readBody(req);
  // Before parsing: a deep body costs JSON.parse one object per level, and walking it overflows the stack.
  if (!jsonTextWithinDepth(raw)) throw badRequest(JSON_TOO_DEEP_MESSAGE);
  let json: unknown;
  try {
    json = JSON.parse(raw.toString("utf8"));
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
  if (!isStorableDeep(json)) throw badRequest("The request body contains a string that is not valid text (NUL or a lone surrogate escape).");
  const count = Array.isArray(json) ? json.length : Array.isArray((json as { tokens?: unknown } | null)?.tokens) ? (json as { tokens: unknown[] }).tokens.length : 0;
  // Checked first so a long list gets this message rather than a union's generic one.
  if (count > MAX_LEAK_CANDIDATES) {
    throw new ApiError(413, `Send at most ${MAX_LEAK_CANDIDATES} candidates per request.`, { maxCandidates: MAX_LEAK_CANDIDATES });
  }
  const parsed = leakReportSchema.safeParse(json);
  if (!parsed.success) {
    throw badRequest("Send a JSON array of {token, type, url, source}, or {\"tokens\": [...]}.", fromZodError(parsed.error, "body").details);
  }
  return parsed.data;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > BODY_LIMIT_BYTES) {
    req.resume();
    return Promise.reject(payloadTooLarge(BODY_LIMIT_BYTES));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        reject(payloadTooLarge(BODY_LIMIT_BYTES));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    req.on("error", () => reject(badRequest("The request body could not be read.")));
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

function send(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, errorBody(error), error.headers);
}
