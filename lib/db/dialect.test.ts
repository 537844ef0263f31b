import { describe, expect, it } from "vitest";

import { dateFromSql, placeholder, SqlParams, timeParam, truncateTimeSql } from "./dialect";

describe("SQL dialect helpers", () => {
  it("numbers PostgreSQL placeholders with casts and leaves SQLite's positional", () => {
    const sqlite = new SqlParams("sqlite");
    const postgres = new SqlParams("postgresql");
    const at = new Date("2030-01-02T10:15:00.123Z");
    expect([sqlite.add("org"), sqlite.add(5), sqlite.time(at)]).toEqual(["?", "?", "?"]);
    expect([postgres.add("org"), postgres.add(5), postgres.time(at)]).toEqual(["$1::text", "$2::int", "$3::timestamp(3)"]);
    expect(sqlite.values).toEqual(["org", 5, at.getTime()]);
    expect(postgres.values).toEqual(["org", 5, "2030-01-02T10:15:00.123Z"]);
    expect(placeholder("postgresql", 7, "time")).toBe("$7::timestamp(3)");
    expect(timeParam("sqlite", 0)).toBe(0);
  });

  it("truncates times to the UTC hour or day in each database's form", () => {
    expect(truncateTimeSql("sqlite", `"at"`, "day")).toBe(`("at" / 86400000) * 86400000`);
    expect(truncateTimeSql("postgresql", `"at"`, "hour")).toBe(`date_trunc('hour', "at")`);
  });

  it("reads times from either database as the same instant", () => {
    const expected = new Date("2030-01-02T10:00:00.000Z");
    expect(dateFromSql(expected.getTime())).toEqual(expected);
    expect(dateFromSql(BigInt(expected.getTime()))).toEqual(expected);
    expect(dateFromSql(String(expected.getTime()))).toEqual(expected);
    // PostgreSQL's zoneless timestamp text holds UTC.
    expect(dateFromSql("2030-01-02 10:00:00")).toEqual(expected);
    expect(dateFromSql("2030-01-02T10:00:00Z")).toEqual(expected);
  });
});
