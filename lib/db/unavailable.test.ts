import { describe, expect, it } from "vitest";

import { databaseUnavailableReason } from "./unavailable";

const withCode = (code: string, message = "failed") => Object.assign(new Error(message), { code });

describe("databaseUnavailableReason", () => {
  it.each([
    [withCode("SQLITE_BUSY"), "busy"],
    [withCode("SQLITE_BUSY_SNAPSHOT"), "busy"],
    [withCode("SQLITE_FULL"), "full"],
    [withCode("SQLITE_IOERR_WRITE"), "full"],
    [withCode("55P03"), "busy"], // PostgreSQL lock_not_available (our lock_timeout)
    [withCode("53100"), "full"], // PostgreSQL disk_full
    [withCode("ECONNREFUSED"), "unreachable"],
    [withCode("P2034"), "busy"], // Prisma: transaction write conflict
  ] as const)("%s is %s", (error, reason) => {
    expect(databaseUnavailableReason(error)).toBe(reason);
  });

  it("finds the database's error under Prisma's wrappers", () => {
    const adapterError = Object.assign(new Error("driver adapter error"), {
      cause: { kind: "sqlite", extendedCode: 13, message: "SQLITE_FULL: database or disk is full" },
    });
    expect(databaseUnavailableReason(new Error("Invalid `db.apiToken.update()` invocation", { cause: adapterError }))).toBe("full");
    expect(databaseUnavailableReason(new Error("wrapped", { cause: { kind: "postgres", code: "55P03" } }))).toBe("busy");
  });

  it("finds it in a Prisma request error's meta.driverAdapterError (as a lock timeout on PostgreSQL arrives)", () => {
    // The shape Prisma 7 gives a 55P03 from adapter-pg, for raw (P2010) and model (P2039) queries alike.
    const lockTimeout = Object.assign(new Error("Raw query failed. Code: `55P03`."), {
      code: "P2010",
      meta: {
        driverAdapterError: {
          name: "DriverAdapterError",
          cause: { originalCode: "55P03", kind: "postgres", code: "55P03", message: "canceling statement due to lock timeout" },
        },
      },
    });
    expect(databaseUnavailableReason(lockTimeout)).toBe("busy");
    expect(databaseUnavailableReason({ ...lockTimeout, code: "P2039" })).toBe("busy");
  });

  it("leaves the request's own faults and programming errors alone", () => {
    for (const error of [
      withCode("SQLITE_CONSTRAINT_UNIQUE"),
      withCode("23505"),
      withCode("P2002"),
      new TypeError("x is undefined"),
      "text",
      null,
      undefined,
    ]) {
      expect(databaseUnavailableReason(error)).toBeNull();
    }
  });

  it("survives a cause cycle", () => {
    const a: Error & { cause?: unknown } = new Error("a");
    a.cause = new Error("b", { cause: a });
    expect(databaseUnavailableReason(a)).toBeNull();
  });
});
