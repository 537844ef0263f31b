import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";

describe("database client under concurrent requests", () => {
  it("keeps a write made outside a transaction when that transaction rolls back", async () => {
    const [insideSlug, outsideSlug] = [`inside-${randomUUID()}`, `outside-${randomUUID()}`];
    const outside = await db.org.create({ data: { slug: outsideSlug, name: "before" } });
    let outsideWrite: Promise<unknown> | undefined;
    await expect(
      db.$transaction(async (tx) => {
        await tx.org.create({ data: { slug: insideSlug, name: "inside" } });
        // Another request writes while this transaction is open…
        outsideWrite = db.$executeRaw`UPDATE "Org" SET "name" = ${"after"} WHERE "id" = ${outside.id}`;
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await outsideWrite;
    // …and its write survives the rollback, which only undoes the transaction's own work.
    expect(await db.org.count({ where: { slug: insideSlug } })).toBe(0);
    expect((await db.org.findUniqueOrThrow({ where: { id: outside.id } })).name).toBe("after");
  });

  it("runs concurrent transactions one after another without losing updates", async () => {
    const org = await db.org.create({ data: { slug: `counter-${randomUUID()}`, name: "0" } });
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.$transaction(
          async (tx) => {
            const current = await tx.org.findUniqueOrThrow({ where: { id: org.id } });
            await tx.org.update({ where: { id: org.id }, data: { name: String(Number(current.name) + 1) } });
          },
          { isolationLevel: "Serializable" },
        ),
      ).map((p) => p.catch(() => "conflict")),
    );
    const final = await db.org.findUniqueOrThrow({ where: { id: org.id } });
    // SQLite serializes them all; PostgreSQL may refuse some as serialization conflicts, never double-count.
    expect(Number(final.name)).toBeGreaterThan(0);
    expect(Number(final.name)).toBeLessThanOrEqual(20);
  });
});
