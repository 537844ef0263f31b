import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { createIncident, runIncident, type UserActor } from "@/lib/db/incidents";
import { createToken, endGracePeriod, type NewTokenInput } from "@/lib/db/token-mutations";
import { incidentFilterSchema } from "@/lib/validations/incident";

import { startApiServer, type TestApiServer } from "../support/api";
import { createTestOrg } from "../support/request-as";

// What incident response means for API callers, through the real REST API server (with its token
// cache): old values work during the grace period and stop at "end grace now"; expired tokens get
// 401; a leak report needs no token and kills the reported value.

const BASE: NewTokenInput = {
  name: "ci",
  scopes: ["report:write"],
  visibility: "ORGANIZATION",
  quotaMax: 1000,
  quotaWindow: "MONTHLY",
  expiresAt: null,
};

let api: TestApiServer;
let org: Awaited<ReturnType<typeof createTestOrg>>;
let actor: UserActor;

const quota = (token: string) => fetch(`${api.url}/v0/quota`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

beforeAll(async () => {
  api = await startApiServer();
  org = await createTestOrg("incapi");
  actor = { kind: "user", userId: org.admin.id, label: org.admin.email, ip: "192.0.2.1", userAgent: "vitest" };
});

afterAll(async () => {
  await api.close();
});

describe("incident response through the API", () => {
  it("after a bulk rotation with grace, old and new values work; after end grace now, only the new one", async () => {
    const a = await createToken(actor, org.org.id, { ...BASE, name: "a" });
    const b = await createToken(actor, org.org.id, { ...BASE, name: "b" });
    // The API has seen (and cached) the old values.
    expect([await quota(a.plaintext), await quota(b.plaintext)]).toEqual([200, 200]);

    const { incidentId } = await createIncident(actor, org.org.id, {
      action: "ROTATE",
      graceSeconds: 3600,
      filter: incidentFilterSchema.parse({ tokenIds: [a.token.id, b.token.id] }),
      expectedCount: 2,
    });
    expect((await runIncident(incidentId, actor)).outcome).toBe("completed");
    const newValues = await db.apiTokenValue.findMany({
      where: { id: { in: (await db.incidentItem.findMany({ where: { incidentId } })).map((i) => i.newValueId!) } },
      select: { tokenId: true, ciphertext: true },
    });
    expect(newValues).toHaveLength(2);

    expect([await quota(a.plaintext), await quota(b.plaintext)]).toEqual([200, 200]);
    await endGracePeriod(actor, org.org.id, a.token.id);
    expect(await quota(a.plaintext)).toBe(401);
    expect(await quota(b.plaintext)).toBe(200);
  });

  it("an expired token gets 401, even when the API cached it while it was valid", async () => {
    const t = await createToken(actor, org.org.id, { ...BASE, expiresAt: new Date(Date.now() + 3600_000) });
    expect(await quota(t.plaintext)).toBe(200);
    await db.apiToken.update({ where: { id: t.token.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await quota(t.plaintext)).toBe(401);
  });

  it("POST /v0/leaked-tokens needs no token, answers 202, and the reported value stops working", async () => {
    const t = await createToken(actor, org.org.id, BASE);
    expect(await quota(t.plaintext)).toBe(200);
    const response = await fetch(`${api.url}/v0/leaked-tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        { token: t.plaintext, type: "keyward_api_token", url: "https://github.com/x/y/blob/main/.env", source: "content" },
      ]),
    });
    expect(response.status).toBe(202);
    await api.handler.flush();
    expect(await quota(t.plaintext)).toBe(401);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: t.token.id } })).status).toBe("DISABLED");
  });
});
