import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { takeRateLimit } from "@/lib/db/rate-limit";

// Request limits live in the database, so every server process counts against one allowance.

const limit = { requests: 5, windowMs: 60_000 };
// Windows far in the future: no other test's clean-up of ended windows touches them.
const windowStart = Date.UTC(2100, 0, 1);

describe("takeRateLimit", () => {
  it("allows the limit per key per window, then says how long to wait; other keys and the next window start afresh", async () => {
    const key = `test:${randomUUID()}`;
    for (let i = 0; i < limit.requests; i++) expect(await takeRateLimit(key, limit, windowStart + i * 1_000)).toBeNull();
    expect(await takeRateLimit(key, limit, windowStart + 2_000)).toBe(58);
    expect(await takeRateLimit(`test:${randomUUID()}`, limit, windowStart + 2_000)).toBeNull();
    expect(await takeRateLimit(key, limit, windowStart + limit.windowMs)).toBeNull();
  });

  it("counts concurrent requests exactly: of 40 at once, 5 pass", async () => {
    const key = `test:${randomUUID()}`;
    const waits = await Promise.all(Array.from({ length: 40 }, () => takeRateLimit(key, limit, windowStart + 10_000)));
    expect(waits.filter((wait) => wait === null)).toHaveLength(limit.requests);
    expect(waits.filter((wait) => wait === 50)).toHaveLength(40 - limit.requests);
  });

  it("removes windows that are over when a new one starts", async () => {
    const key = `test:${randomUUID()}`;
    await takeRateLimit(key, limit, Date.UTC(2001, 0, 1));
    await takeRateLimit(`test:${randomUUID()}`, limit);
    expect(await db.rateLimitBucket.count({ where: { bucket: { startsWith: key } } })).toBe(0);
  });
});
