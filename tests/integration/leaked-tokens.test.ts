import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createLeakedTokensHandler, LEAKED_TOKENS_PATH, type LeakHandling } from "@/lib/api/leaked-tokens";
import { db } from "@/lib/db/client";
import { createToken, revokeToken, rotateToken, type NewTokenInput, type TokenActor } from "@/lib/db/token-mutations";
import { generateTokenValue } from "@/lib/tokens";

import { createTestOrg } from "../support/request-as";

// POST /v0/leaked-tokens as a secret scanner calls it: over HTTP, without a Keyward token.

type TestOrg = Awaited<ReturnType<typeof createTestOrg>>;

const BASE: NewTokenInput = {
  name: "leaky",
  scopes: ["report:write"],
  visibility: "ORGANIZATION",
  quotaMax: 100,
  quotaWindow: "MONTHLY",
  expiresAt: null,
};

const actorFor = (org: TestOrg): TokenActor => ({ kind: "user", userId: org.admin.id, label: org.admin.email, ip: null, userAgent: null });

let server: Server;
let base: string;
let handler: ReturnType<typeof createLeakedTokensHandler>;
const handled: LeakHandling[] = [];
// Each test reports from its own address (X-Forwarded-For, trusted here) so the rate limit of one does not touch another.
let nextAddress = 1;
const freshAddress = () => `198.51.100.${nextAddress++}`;

beforeAll(async () => {
  handler = createLeakedTokensHandler({
    trustedProxyHops: 1,
    limit: { requests: 5, windowMs: 60_000 },
    onHandled: (h) => handled.push(...h),
  });
  server = createServer((req, res) => {
    if (req.url === LEAKED_TOKENS_PATH) return void handler(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function report(body: unknown, address: string, init: { method?: string; contentType?: string } = {}) {
  const response = await fetch(`${base}${LEAKED_TOKENS_PATH}`, {
    method: init.method ?? "POST",
    headers: { "content-type": init.contentType ?? "application/json", "x-forwarded-for": address },
    body: init.method === "GET" ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  await handler.settled();
  return { status: response.status, text, headers: response.headers };
}

const githubMatch = (token: string) => ({
  token,
  type: "keyward_api_token",
  url: "https://github.com/example/repo/blob/abc/.env",
  source: "content",
});

describe("POST /v0/leaked-tokens", () => {
  let disabling: TestOrg;
  let flagging: TestOrg;

  beforeAll(async () => {
    disabling = await createTestOrg("leakd");
    flagging = await createTestOrg("leakf");
    await db.org.update({ where: { id: flagging.org.id }, data: { leakedTokenPolicy: "FLAG" } });
  });

  it("disables matches in orgs that say so, flags them in others, and answers exactly as for junk", async () => {
    const a = await createToken(actorFor(disabling), disabling.org.id, BASE);
    const b = await createToken(actorFor(flagging), flagging.org.id, BASE);

    const matched = await report([githubMatch(a.plaintext), githubMatch(b.plaintext)], freshAddress());
    const unmatched = await report([githubMatch(generateTokenValue()), githubMatch(generateTokenValue())], freshAddress());
    const junk = await report([githubMatch("kw_not-a-token"), githubMatch("ghp_something")], freshAddress());
    expect(matched.status).toBe(202);
    expect(unmatched).toMatchObject({ status: matched.status, text: matched.text });
    expect(junk).toMatchObject({ status: matched.status, text: matched.text });
    expect([...matched.headers.keys()].sort()).toEqual([...unmatched.headers.keys()].sort());

    const tokenA = await db.apiToken.findUniqueOrThrow({ where: { id: a.token.id } });
    expect(tokenA).toMatchObject({ status: "DISABLED", leakReportSource: "https://github.com/example/repo/blob/abc/.env" });
    expect(tokenA.leakReportedAt).not.toBeNull();
    const tokenB = await db.apiToken.findUniqueOrThrow({ where: { id: b.token.id } });
    expect(tokenB.status).toBe("ACTIVE");
    expect(tokenB.leakReportedAt).not.toBeNull();

    const eventsA = await db.auditEvent.findMany({ where: { orgId: disabling.org.id, targetId: a.token.id }, orderBy: { at: "asc" } });
    expect(eventsA.map((e) => e.action)).toEqual(["token.created", "token.disabled", "token.leak_reported"]);
    expect(eventsA[1]).toMatchObject({ actorLabel: "Leaked-token report", ip: expect.stringMatching(/^198\.51\.100\./) });
    expect(JSON.parse(eventsA[2]!.metadata)).toMatchObject({ handling: "disabled", valueState: "current", type: "keyward_api_token" });
    expect(eventsA.map((e) => e.metadata).join()).not.toContain(a.plaintext);
    const eventsB = await db.auditEvent.findMany({ where: { orgId: flagging.org.id, targetId: b.token.id }, orderBy: { at: "asc" } });
    expect(eventsB.map((e) => e.action)).toEqual(["token.created", "token.leak_reported"]);
    expect(JSON.parse(eventsB[1]!.metadata)).toMatchObject({ handling: "flagged" });
  });

  it("accepts {tokens: [...]}, ends just the grace of a leaked old value, and ignores revoked tokens", async () => {
    const rotatedOut = await createToken(actorFor(disabling), disabling.org.id, BASE);
    const rotation = await rotateToken(actorFor(disabling), disabling.org.id, rotatedOut.token.id, { graceSeconds: 3600 });
    const revoked = await createToken(actorFor(disabling), disabling.org.id, BASE);
    await revokeToken(actorFor(disabling), disabling.org.id, revoked.token.id);
    handled.length = 0;

    const response = await report({ tokens: [rotatedOut.plaintext, revoked.plaintext], url: "https://paste.example/x" }, freshAddress());
    expect(response.status).toBe(202);
    expect(handled).toEqual([expect.objectContaining({ tokenId: rotatedOut.token.id, handling: "grace-ended" })]);
    const token = await db.apiToken.findUniqueOrThrow({ where: { id: rotatedOut.token.id }, include: { values: true } });
    // The token and its new value keep working; the leaked old value does not.
    expect(token.status).toBe("ACTIVE");
    const now = Date.now();
    expect(token.values.filter((v) => v.validUntil === null || v.validUntil.getTime() > now).map((v) => v.lastFour)).toEqual([
      rotation!.token.lastFour,
    ]);
    expect(await db.auditEvent.count({ where: { targetId: revoked.token.id, action: "token.leak_reported" } })).toBe(0);
  });

  it("refuses malformed reports with a 4xx, never acting on them", async () => {
    const address = freshAddress();
    const t = await createToken(actorFor(disabling), disabling.org.id, BASE);
    expect((await report("{not json", address)).status).toBe(400);
    expect((await report({ nope: true }, address)).status).toBe(400);
    expect((await report([{ token: t.plaintext }], address, { contentType: "text/plain" })).status).toBe(415);
    const tooMany = Array.from({ length: 1001 }, () => githubMatch(t.plaintext));
    expect((await report(tooMany, freshAddress())).status).toBe(413);
    expect((await report(undefined, freshAddress(), { method: "GET" })).status).toBe(405);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: t.token.id } })).status).toBe("ACTIVE");
  });

  it("takes 1,000 candidates in one report", async () => {
    const t = await createToken(actorFor(disabling), disabling.org.id, BASE);
    const candidates = Array.from({ length: 999 }, () => githubMatch(generateTokenValue()));
    candidates.push(githubMatch(t.plaintext));
    const response = await report(candidates, freshAddress());
    expect(response.status).toBe(202);
    expect(JSON.parse(response.text)).toMatchObject({ received: 1000 });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: t.token.id } })).status).toBe("DISABLED");
  });

  it("limits requests per address, whatever they contain, and other addresses are not affected", async () => {
    const address = freshAddress();
    const statuses = [];
    for (let i = 0; i < 7; i++) statuses.push((await report(i % 2 ? [] : { tokens: [generateTokenValue()] }, address)).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429]);
    const limited = await report([], address);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // A leaked token reported from a rate-limited address is not acted on.
    const t = await createToken(actorFor(disabling), disabling.org.id, BASE);
    expect((await report([githubMatch(t.plaintext)], address)).status).toBe(429);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: t.token.id } })).status).toBe("ACTIVE");
    expect((await report([githubMatch(t.plaintext)], freshAddress())).status).toBe(202);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: t.token.id } })).status).toBe("DISABLED");
  });
});
