import { db } from "./client";

// Request limits kept in the database, so that every server process behind a load balancer
// counts against the same allowance (an in-memory counter per process would multiply it by the
// number of servers). Fixed windows: one row per key and window, bumped by one atomic upsert.

export type RateLimit = { requests: number; windowMs: number };

/**
 * Counts one request for `key`; returns null when it is within the limit, else the seconds to
 * wait until the window ends (at least 1).
 */
export async function takeRateLimit(key: string, limit: RateLimit, now = Date.now()): Promise<number | null> {
  const windowStart = Math.floor(now / limit.windowMs) * limit.windowMs;
  const windowEnd = windowStart + limit.windowMs;
  const bucket = `${key}@${windowStart}`;
  const row = await incrementBucket(bucket, new Date(windowEnd));
  // The first request of a window also clears windows that are over, so the table stays small.
  if (row.count === 1) await db.rateLimitBucket.deleteMany({ where: { expiresAt: { lte: new Date(now) } } });
  if (row.count <= limit.requests) return null;
  return Math.max(1, Math.ceil((windowEnd - now) / 1000));
}

/** Prisma runs this upsert as one INSERT … ON CONFLICT DO UPDATE; the retry covers a client that does not. */
async function incrementBucket(bucket: string, expiresAt: Date): Promise<{ count: number }> {
  const args = { where: { bucket }, create: { bucket, count: 1, expiresAt }, update: { count: { increment: 1 } }, select: { count: true } };
  try {
    return await db.rateLimitBucket.upsert(args);
  } catch (error) {
    if ((error as { code?: unknown }).code !== "P2002") throw error;
    return db.rateLimitBucket.update({ where: { bucket }, data: { count: { increment: 1 } }, select: { count: true } });
  }
}
