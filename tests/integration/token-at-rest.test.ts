import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

import { revealTokenAction } from "@/lib/actions/tokens";
import { db } from "@/lib/db/client";
import { resolveDatabaseTarget } from "@/lib/db/database-url";
import { findPostgresBin } from "@/lib/db/temp-postgres";
import { createToken, rotateToken, type TokenActor } from "@/lib/db/token-mutations";
import { findTokenCandidates, hashTokenValue } from "@/lib/tokens";

import { actAs, createTestOrg } from "../support/request-as";

type TestOrg = Awaited<ReturnType<typeof createTestOrg>>;

function adminActor(org: TestOrg): TokenActor {
  return { kind: "user", userId: org.admin.id, label: org.admin.email, ip: null, userAgent: null };
}

const SETTINGS = {
  name: "At rest",
  scopes: ["report"] as const,
  visibility: "ORGANIZATION" as const,
  quotaMax: 10,
  quotaWindow: "DAILY" as const,
  expiresAt: null,
};

/** What someone who walks off with the database gets: SQLite's file and write-ahead log, or PostgreSQL's whole dump. */
function databaseCopy(): string {
  const target = resolveDatabaseTarget(process.env.DATABASE_URL);
  if (target.provider === "postgresql") {
    const bin = findPostgresBin();
    if (!bin) throw new Error("pg_dump not found (PostgreSQL server binaries)");
    return execFileSync(join(bin, "pg_dump"), ["--dbname", target.url], { encoding: "latin1", maxBuffer: 1 << 30 });
  }
  const dir = mkdtempSync(join(tmpdir(), "keyward-copy-"));
  try {
    return ["", "-wal"]
      .filter((suffix) => existsSync(target.file + suffix))
      .map((suffix) => {
        copyFileSync(target.file + suffix, join(dir, `copy.db${suffix}`));
        return readFileSync(join(dir, `copy.db${suffix}`)).toString("latin1");
      })
      .join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("token values at rest", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createTestOrg("atrest");
  });

  it("a copy of the database (SQLite file and its log, or a pg_dump) contains no token value, only hashes", async () => {
    const values: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await createToken(adminActor(org), org.org.id, { ...SETTINGS, name: `At rest ${i}`, scopes: [...SETTINGS.scopes] });
      values.push(created.plaintext);
      // A rotation with grace leaves two values live: both must be absent from the file.
      const rotated = await rotateToken(adminActor(org), org.org.id, created.token.id, { graceSeconds: 3600 });
      values.push(rotated!.plaintext);
    }
    await actAs(org.member);
    const revealed = await revealTokenAction(undefined, {
      orgSlug: org.org.slug,
      tokenId: (await db.apiToken.findFirstOrThrow({ where: { orgId: org.org.id } })).id,
    });
    expect(revealed.ok).toBe(true);

    const dump = databaseCopy();
    // The grep works: the hashes and names of these tokens are in the copy.
    expect(dump).toContain(hashTokenValue(values[0]!));
    expect(dump).toContain("At rest 2");
    for (const value of values) {
      expect(dump).not.toContain(value);
      // Nor the random part without the recognizable prefix.
      expect(dump).not.toContain(value.slice(3));
    }
    // Nor any other well-formed value. Only a valid checksum counts: other tests (the hostile
    // inputs of the property tests) name tokens "kw_AAAA…", which is text, not a value.
    expect(findTokenCandidates(dump)).toEqual([]);
  });

  it("a tampered ciphertext fails closed: no value, no reveal recorded", async () => {
    const { token } = await createToken(adminActor(org), org.org.id, { ...SETTINGS, scopes: [...SETTINGS.scopes] });
    const value = await db.apiTokenValue.findFirstOrThrow({ where: { tokenId: token.id }, select: { id: true, ciphertext: true } });
    const bytes = Buffer.from(value.ciphertext!, "base64url");
    bytes[bytes.length - 20]! ^= 0x01;
    await db.apiTokenValue.update({ where: { id: value.id }, data: { ciphertext: bytes.toString("base64url") } });

    await actAs(org.admin);
    const result = await revealTokenAction(undefined, { orgSlug: org.org.slug, tokenId: token.id });
    expect(result).toMatchObject({ ok: false });
    expect(result.data).toBeUndefined();
    expect(result.message).toMatch(/cannot be decrypted/);
    expect(await db.auditEvent.count({ where: { targetId: token.id, action: "token.revealed" } })).toBe(0);
  });

  it("a ciphertext copied onto another token's value does not decrypt there", async () => {
    const a = await createToken(adminActor(org), org.org.id, { ...SETTINGS, name: "A", scopes: [...SETTINGS.scopes] });
    const b = await createToken(adminActor(org), org.org.id, { ...SETTINGS, name: "B", scopes: [...SETTINGS.scopes] });
    const valueA = await db.apiTokenValue.findFirstOrThrow({ where: { tokenId: a.token.id }, select: { ciphertext: true } });
    await db.apiTokenValue.updateMany({ where: { tokenId: b.token.id }, data: { ciphertext: valueA.ciphertext } });

    await actAs(org.admin);
    const result = await revealTokenAction(undefined, { orgSlug: org.org.slug, tokenId: b.token.id });
    expect(result).toMatchObject({ ok: false });
    expect(JSON.stringify(result)).not.toContain(a.plaintext);
  });
});
