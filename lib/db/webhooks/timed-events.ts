import type { Db } from "../client";
import { enqueueEvent } from "./outbox";

// Events no change writes an audit row for, found by looking: a token whose expiry passed, and a
// token refused for a spent quota (the usage writer's refused-call counts, written off the request
// path). Each has a key that names the occurrence (the token and its expiry time; the token and
// its quota window), so looking again, or from several servers, enqueues it once.

/** How far back a pass looks: a server down for longer than this misses those events. */
const EXPIRY_LOOKBACK_MS = 24 * 3_600_000;
const QUOTA_LOOKBACK_MS = 15 * 60_000;
const SYSTEM = { type: "system" as const, label: "Keyward" };

export async function enqueueTimedEvents(db: Db, now: Date): Promise<number> {
  let enqueued = 0;
  const expired = await db.apiToken.findMany({
    where: {
      expiresAt: { lte: now, gt: new Date(now.getTime() - EXPIRY_LOOKBACK_MS) },
      status: { not: "REVOKED" },
      org: { webhooks: { some: { events: { contains: "token.expired" } } } },
    },
    select: { id: true, orgId: true, name: true, expiresAt: true },
    take: 500,
  });
  for (const token of expired) {
    const at = token.expiresAt!;
    enqueued += await enqueueOnce(db, "token.expired", {
      id: `token.expired:${token.id}:${at.getTime()}`,
      type: "token.expired",
      at,
      orgId: token.orgId,
      actor: SYSTEM,
      target: { type: "token", id: token.id },
      details: { name: token.name, expiresAt: at.toISOString() },
    });
  }

  const refusals = await db.refusedCallCount.groupBy({
    by: ["tokenId", "orgId"],
    where: { reason: "quota", minute: { gte: new Date(now.getTime() - QUOTA_LOOKBACK_MS) } },
    _min: { lastAt: true },
  });
  if (refusals.length > 0) {
    const tokens = await db.apiToken.findMany({
      where: {
        id: { in: refusals.map((row) => row.tokenId) },
        org: { webhooks: { some: { events: { contains: "token.quota_exhausted" } } } },
      },
      select: { id: true, orgId: true, name: true, quotaMax: true, quotaWindow: true, quotaResetAt: true },
    });
    for (const token of tokens) {
      const firstRefusal = refusals.find((row) => row.tokenId === token.id)?._min.lastAt ?? now;
      enqueued += await enqueueOnce(db, "token.quota_exhausted", {
        id: `token.quota_exhausted:${token.id}:${token.quotaResetAt.getTime()}`,
        type: "token.quota_exhausted",
        at: firstRefusal,
        orgId: token.orgId,
        actor: SYSTEM,
        target: { type: "token", id: token.id },
        details: {
          name: token.name,
          maxQuota: token.quotaMax,
          window: token.quotaWindow.toLowerCase(),
          nextWindowRefresh: token.quotaResetAt.toISOString(),
        },
      });
    }
  }
  return enqueued;
}

async function enqueueOnce(
  db: Db,
  type: "token.expired" | "token.quota_exhausted",
  event: Parameters<typeof enqueueEvent>[2],
): Promise<number> {
  try {
    // A webhook added after the fact does not get it.
    return await enqueueEvent(db, type, event, { webhooksCreatedBefore: event.at });
  } catch (error) {
    // Another server enqueued the same occurrence at the same moment: the unique key kept one.
    if ((error as { code?: string }).code === "P2002") return 0;
    throw error;
  }
}
