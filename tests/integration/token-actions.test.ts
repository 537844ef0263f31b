import { beforeAll, describe, expect, it } from "vitest";

import {
  createTokenAction,
  disableTokenAction,
  enableTokenAction,
  revealTokenAction,
  revokeTokenAction,
  rotateTokenAction,
  updateTokenAction,
} from "@/lib/actions/tokens";
import type { ActionInput, ActionState } from "@/lib/auth/action";
import { db } from "@/lib/db/client";
import { getTokenForViewer, listTokens } from "@/lib/db/queries/tokens";
import { createToken, setTokenEnabled, type NewTokenInput, type TokenActor } from "@/lib/db/token-mutations";
import { hashTokenValue } from "@/lib/tokens";
import { tokenListParamsSchema } from "@/lib/validations/token";

import { actAs, createTestOrg } from "../support/request-as";

// Every token action × every kind of caller, called exactly as a crafted POST would call it
// (a plain object or FormData, any fields the caller likes). Refusals must change nothing.

type TestOrg = Awaited<ReturnType<typeof createTestOrg>>;
type Action = (prev: ActionState<never> | undefined, input: ActionInput) => Promise<ActionState<unknown>>;
type Caller = "org admin" | "org member" | "other org's admin" | "other org's admin, own org slug" | "signed out";
type Outcome = "ok" | "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND";

const ORG_VISIBLE: NewTokenInput = {
  name: "Shared CI",
  scopes: ["report:read", "report:write"],
  visibility: "ORGANIZATION",
  quotaMax: 1000,
  quotaWindow: "MONTHLY",
  expiresAt: null,
};
const ADMIN_ONLY: NewTokenInput = { ...ORG_VISIBLE, name: "Security scanner", visibility: "ADMIN_ONLY" };

let acme: TestOrg;
let other: TestOrg;

function systemActor(org: TestOrg): TokenActor {
  return { kind: "user", userId: org.admin.id, label: org.admin.email, ip: null, userAgent: null };
}

/** Everything a token action could change in an org: its tokens, their values, and its audit log. */
async function orgState(orgId: string) {
  const [tokens, values, audit] = await Promise.all([
    db.apiToken.findMany({ where: { orgId }, orderBy: { id: "asc" } }),
    db.apiTokenValue.findMany({
      where: { orgId },
      orderBy: { id: "asc" },
      select: { id: true, hash: true, ciphertext: true, validUntil: true, replacedAt: true },
    }),
    db.auditEvent.count({ where: { orgId } }),
  ]);
  return { tokens, values, audit };
}

type Case = {
  action: string;
  run: Action;
  /** Makes the token the action targets (if any) and returns the input a caller sends. */
  setup: () => Promise<{ input: Record<string, unknown>; tokenId?: string; plaintext?: string }>;
  expected: Record<Caller, Outcome>;
  /** What an allowed call changed. */
  verify: (result: ActionState<unknown>, tokenId: string | undefined, plaintext: string | undefined) => Promise<void>;
};

async function freshToken(settings: NewTokenInput, disabled = false) {
  const { token, plaintext } = await createToken(systemActor(acme), acme.org.id, settings);
  if (disabled) await setTokenEnabled(systemActor(acme), acme.org.id, token.id, false);
  return { tokenId: token.id, plaintext };
}

const ADMIN_ONLY_ACTION: Record<Caller, Outcome> = {
  "org admin": "ok",
  "org member": "FORBIDDEN",
  "other org's admin": "NOT_FOUND",
  "other org's admin, own org slug": "NOT_FOUND",
  "signed out": "UNAUTHENTICATED",
};

const CASES: Case[] = [
  {
    action: "create",
    run: createTokenAction as Action,
    setup: async () => ({
      input: { name: "New token", scopes: ["report:read"], visibility: "ADMIN_ONLY", quotaMax: "100", quotaWindow: "DAILY", expiresAt: "" },
    }),
    // In their own org, another org's admin may of course create tokens; that is not this org's business.
    expected: { ...ADMIN_ONLY_ACTION, "other org's admin, own org slug": "ok" },
    verify: async (result) => {
      const data = result.data as { tokenId: string; value: string };
      const row = await db.apiToken.findUnique({ where: { id: data.tokenId } });
      expect(row).toMatchObject({ name: "New token", scopes: "report:read", quotaMax: 100, quotaWindow: "DAILY" });
      expect(await db.apiTokenValue.count({ where: { hash: hashTokenValue(data.value) } })).toBe(1);
    },
  },
  {
    action: "update",
    run: updateTokenAction as Action,
    setup: async () => {
      const { tokenId } = await freshToken(ORG_VISIBLE);
      return {
        tokenId,
        input: {
          tokenId,
          name: "Renamed",
          scopes: ["repo"],
          visibility: "ADMIN_ONLY",
          quotaMax: "5",
          quotaWindow: "HOURLY",
          expiresAt: "",
        },
      };
    },
    expected: ADMIN_ONLY_ACTION,
    verify: async (_result, tokenId) => {
      const row = await db.apiToken.findUnique({ where: { id: tokenId } });
      expect(row).toMatchObject({
        name: "Renamed",
        scopes: "repo",
        visibility: "ADMIN_ONLY",
        quotaMax: 5,
        quotaWindow: "HOURLY",
        version: 2,
      });
    },
  },
  {
    action: "rotate",
    run: rotateTokenAction as Action,
    setup: async () => {
      const { tokenId, plaintext } = await freshToken(ORG_VISIBLE);
      return { tokenId, plaintext, input: { tokenId, graceHours: "0" } };
    },
    expected: ADMIN_ONLY_ACTION,
    verify: async (result, tokenId, oldValue) => {
      const newValue = (result.data as { value: string }).value;
      const live = await db.apiTokenValue.findMany({ where: { tokenId, validUntil: null }, select: { hash: true } });
      expect(live.map((v) => v.hash)).toEqual([hashTokenValue(newValue)]);
      expect(newValue).not.toBe(oldValue);
    },
  },
  {
    action: "disable",
    run: disableTokenAction as Action,
    setup: async () => {
      const { tokenId } = await freshToken(ORG_VISIBLE);
      return { tokenId, input: { tokenId } };
    },
    expected: ADMIN_ONLY_ACTION,
    verify: async (_result, tokenId) => {
      expect((await db.apiToken.findUnique({ where: { id: tokenId } }))?.status).toBe("DISABLED");
    },
  },
  {
    action: "enable",
    run: enableTokenAction as Action,
    setup: async () => {
      const { tokenId } = await freshToken(ORG_VISIBLE, true);
      return { tokenId, input: { tokenId } };
    },
    expected: ADMIN_ONLY_ACTION,
    verify: async (_result, tokenId) => {
      expect((await db.apiToken.findUnique({ where: { id: tokenId } }))?.status).toBe("ACTIVE");
    },
  },
  {
    action: "revoke",
    run: revokeTokenAction as Action,
    setup: async () => {
      const { tokenId } = await freshToken(ORG_VISIBLE);
      return { tokenId, input: { tokenId } };
    },
    expected: ADMIN_ONLY_ACTION,
    verify: async (_result, tokenId) => {
      expect((await db.apiToken.findUnique({ where: { id: tokenId } }))?.status).toBe("REVOKED");
      expect(await db.apiTokenValue.count({ where: { tokenId, ciphertext: { not: null } } })).toBe(0);
    },
  },
  {
    action: "reveal an organization-visible token",
    run: revealTokenAction as Action,
    setup: async () => {
      const { tokenId, plaintext } = await freshToken(ORG_VISIBLE);
      return { tokenId, plaintext, input: { tokenId } };
    },
    expected: { ...ADMIN_ONLY_ACTION, "org member": "ok" },
    verify: async (result, tokenId, plaintext) => {
      expect(result.data).toEqual({ value: plaintext });
      const event = await db.auditEvent.findFirst({ where: { targetId: tokenId }, orderBy: { at: "desc" } });
      expect(event?.action).toBe("token.revealed");
    },
  },
  {
    action: "reveal an admin-only token",
    run: revealTokenAction as Action,
    setup: async () => {
      const { tokenId, plaintext } = await freshToken(ADMIN_ONLY);
      return { tokenId, plaintext, input: { tokenId } };
    },
    // A member gets the same answer as for a token that does not exist.
    expected: { ...ADMIN_ONLY_ACTION, "org member": "NOT_FOUND" },
    verify: async (result, _tokenId, plaintext) => {
      expect(result.data).toEqual({ value: plaintext });
    },
  },
];

const CALLERS: Caller[] = ["org admin", "org member", "other org's admin", "other org's admin, own org slug", "signed out"];

describe("token server actions: who may call them", () => {
  beforeAll(async () => {
    acme = await createTestOrg("tokact");
    other = await createTestOrg("tokother");
  });

  const table = CASES.flatMap((c) => CALLERS.map((caller) => [c.action, caller, c.expected[caller], c] as const));

  it.each(table)("%s as %s → %s", async (_action, caller, outcome, c) => {
    const { input, tokenId, plaintext } = await c.setup();
    const user = caller === "org admin" ? acme.admin : caller === "org member" ? acme.member : caller === "signed out" ? null : other.admin;
    const orgSlug = caller === "other org's admin, own org slug" ? other.org.slug : acme.org.slug;
    await actAs(user, { ip: "203.0.113.50" });
    const before = await Promise.all([orgState(acme.org.id), orgState(other.org.id)]);

    const result = await c.run(undefined, { ...input, orgSlug });

    if (outcome === "ok") {
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
      await c.verify(result, tokenId, plaintext);
      return;
    }
    expect(result).toMatchObject({ ok: false, code: outcome });
    expect(result.data).toBeUndefined();
    expect(JSON.stringify(result)).not.toMatch(/kw_[0-9A-Za-z]{36}/);
    expect(await Promise.all([orgState(acme.org.id), orgState(other.org.id)])).toEqual(before);
  });

  it("records the acting admin and their IP in the audit log", async () => {
    const { tokenId } = await freshToken(ORG_VISIBLE);
    await actAs(acme.admin, { ip: "198.51.100.77", userAgent: "e2e-browser" });
    expect(await disableTokenAction(undefined, { orgSlug: acme.org.slug, tokenId })).toMatchObject({ ok: true });
    const event = await db.auditEvent.findFirst({ where: { targetId: tokenId, action: "token.disabled" } });
    expect(event).toMatchObject({
      actorUserId: acme.admin.id,
      actorLabel: acme.admin.email,
      ip: "198.51.100.77",
      userAgent: "e2e-browser",
    });
  });

  it("accepts the create form as the browser submits it (FormData, repeated scope checkboxes)", async () => {
    await actAs(acme.admin);
    const form = new FormData();
    form.set("orgSlug", acme.org.slug);
    form.set("name", "From the form");
    form.append("scopes", "report");
    form.append("scopes", "repo:list");
    form.set("visibility", "ORGANIZATION");
    form.set("quotaMax", "250");
    form.set("quotaWindow", "HOURLY");
    const nextYear = new Date().getUTCFullYear() + 1;
    form.set("expiresAt", `${nextYear}-12-31`);
    form.set("$ACTION_ID_0123", "");
    const result = await createTokenAction(undefined, form);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
    const row = await db.apiToken.findUnique({ where: { id: result.data!.tokenId } });
    expect(row).toMatchObject({
      scopes: "report repo:list",
      visibility: "ORGANIZATION",
      expiresAt: new Date(`${nextYear}-12-31T23:59:59.999Z`),
    });
  });
});

describe("token server actions: bad input gets a field error and changes nothing", () => {
  let tokenId: string;
  let foreignTokenId: string;
  beforeAll(async () => {
    acme ??= await createTestOrg("tokact");
    other ??= await createTestOrg("tokother");
    tokenId = (await freshToken(ORG_VISIBLE)).tokenId;
    foreignTokenId = (await createToken(systemActor(other), other.org.id, ORG_VISIBLE)).token.id;
  });

  const HUNDRED_AND_ONE_RANGES = Array.from({ length: 101 }, (_, i) => `10.${i}.0.0/16`).join("\n");
  const validCreate = {
    name: "Valid",
    scopes: ["report:read"],
    visibility: "ADMIN_ONLY",
    quotaMax: "100",
    quotaWindow: "DAILY",
    expiresAt: "",
  };

  const BAD_INPUT: [string, Action, () => Record<string, unknown>, string, string][] = [
    ["empty name", createTokenAction as Action, () => ({ ...validCreate, name: "   " }), "INVALID", "name"],
    ["300-character name", createTokenAction as Action, () => ({ ...validCreate, name: "x".repeat(300) }), "INVALID", "name"],
    [
      "unknown scope",
      createTokenAction as Action,
      () => ({ ...validCreate, scopes: ["report:read", "admin:everything"] }),
      "INVALID",
      "scopes",
    ],
    ["negative quota", createTokenAction as Action, () => ({ ...validCreate, quotaMax: "-1" }), "INVALID", "quotaMax"],
    ["a 10,000-character name", createTokenAction as Action, () => ({ ...validCreate, name: "x".repeat(10_000) }), "INVALID", "name"],
    ["no scope (every box unchecked)", createTokenAction as Action, () => ({ ...validCreate, scopes: "" }), "INVALID", "scopes"],
    ["no scope field", createTokenAction as Action, () => ({ ...validCreate, scopes: undefined }), "INVALID", "scopes"],
    ["a quota of 0", createTokenAction as Action, () => ({ ...validCreate, quotaMax: "0" }), "INVALID", "quotaMax"],
    ["every scope unchecked on edit", updateTokenAction as Action, () => ({ ...validCreate, tokenId, scopes: "" }), "INVALID", "scopes"],
    ["a quota of 0 on edit", updateTokenAction as Action, () => ({ ...validCreate, tokenId, quotaMax: "0" }), "INVALID", "quotaMax"],
    ["non-numeric quota", createTokenAction as Action, () => ({ ...validCreate, quotaMax: "lots" }), "INVALID", "quotaMax"],
    ["unknown quota window", createTokenAction as Action, () => ({ ...validCreate, quotaWindow: "YEARLY" }), "INVALID", "quotaWindow"],
    ["unknown visibility", createTokenAction as Action, () => ({ ...validCreate, visibility: "PUBLIC" }), "INVALID", "visibility"],
    ["past expiry", createTokenAction as Action, () => ({ ...validCreate, expiresAt: "2001-01-01" }), "INVALID", "expiresAt"],
    ["impossible expiry date", createTokenAction as Action, () => ({ ...validCreate, expiresAt: "2031-02-30" }), "INVALID", "expiresAt"],
    ["foreign orgId field", createTokenAction as Action, () => ({ ...validCreate, orgId: other.org.id }), "INVALID", "orgId"],
    ["hash field", createTokenAction as Action, () => ({ ...validCreate, hash: "0".repeat(64) }), "INVALID", "hash"],
    ["createdById field", createTokenAction as Action, () => ({ ...validCreate, createdById: other.admin.id }), "INVALID", "createdById"],
    [
      "prefix too long for IPv4 in allowed networks",
      createTokenAction as Action,
      () => ({ ...validCreate, allowedNetworks: "10.0.0.0/33" }),
      "INVALID",
      "allowedNetworks",
    ],
    [
      "not an address in allowed networks",
      createTokenAction as Action,
      () => ({ ...validCreate, allowedNetworks: "203.0.113.0/24\nnot-an-ip" }),
      "INVALID",
      "allowedNetworks",
    ],
    [
      "101 allowed networks",
      createTokenAction as Action,
      () => ({ ...validCreate, allowedNetworks: HUNDRED_AND_ONE_RANGES }),
      "INVALID",
      "allowedNetworks",
    ],
    [
      "bad allowed network on edit",
      updateTokenAction as Action,
      () => ({ ...validCreate, tokenId, allowedNetworks: "10.0.0.0/33" }),
      "INVALID",
      "allowedNetworks",
    ],
    [
      "101 allowed networks on edit",
      updateTokenAction as Action,
      () => ({ ...validCreate, tokenId, allowedNetworks: HUNDRED_AND_ONE_RANGES }),
      "INVALID",
      "allowedNetworks",
    ],
    ["empty name on edit", updateTokenAction as Action, () => ({ ...validCreate, tokenId, name: "" }), "INVALID", "name"],
    ["status field on edit", updateTokenAction as Action, () => ({ ...validCreate, tokenId, status: "ACTIVE" }), "INVALID", "status"],
    [
      "quotaRemaining field on edit",
      updateTokenAction as Action,
      () => ({ ...validCreate, tokenId, quotaRemaining: "999999" }),
      "INVALID",
      "quotaRemaining",
    ],
    ["malformed token id", disableTokenAction as Action, () => ({ tokenId: "../../etc" }), "INVALID", "tokenId"],
    ["grace over 7 days", rotateTokenAction as Action, () => ({ tokenId, graceHours: "169" }), "INVALID", "graceHours"],
    ["negative grace", rotateTokenAction as Action, () => ({ tokenId, graceHours: "-1" }), "INVALID", "graceHours"],
    ["ciphertext field on reveal", revealTokenAction as Action, () => ({ tokenId, ciphertext: "x" }), "INVALID", "ciphertext"],
  ];

  it.each(BAD_INPUT)("%s", async (_label, action, input, code, field) => {
    await actAs(acme.admin);
    const before = await Promise.all([orgState(acme.org.id), orgState(other.org.id)]);
    const result = await action(undefined, { ...input(), orgSlug: acme.org.slug });
    expect(result).toMatchObject({ ok: false, code });
    expect(result.errors?.[field]?.[0], JSON.stringify(result.errors)).toBeTruthy();
    expect(await Promise.all([orgState(acme.org.id), orgState(other.org.id)])).toEqual(before);
  });

  it.each([
    ["edit", updateTokenAction as Action, () => ({ ...validCreate, tokenId: foreignTokenId })],
    ["rotate", rotateTokenAction as Action, () => ({ tokenId: foreignTokenId, graceHours: "0" })],
    ["disable", disableTokenAction as Action, () => ({ tokenId: foreignTokenId })],
    ["revoke", revokeTokenAction as Action, () => ({ tokenId: foreignTokenId })],
    ["reveal", revealTokenAction as Action, () => ({ tokenId: foreignTokenId })],
  ])("%s of another org's token through our own org is not found", async (_label, action, input) => {
    await actAs(acme.admin);
    const before = await Promise.all([orgState(acme.org.id), orgState(other.org.id)]);
    expect(await action(undefined, { ...input(), orgSlug: acme.org.slug })).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await Promise.all([orgState(acme.org.id), orgState(other.org.id)])).toEqual(before);
  });

  it("a name already in use is a warning the admin can accept: nothing is created until they say 'create anyway'", async () => {
    await actAs(acme.admin);
    const { token } = await createToken(systemActor(acme), acme.org.id, { ...ORG_VISIBLE, name: "Deploy bot" });
    const input = { ...validCreate, name: "  Deploy bot ", orgSlug: acme.org.slug };
    const before = await orgState(acme.org.id);
    const warned = await createTokenAction(undefined, input);
    expect(warned).toMatchObject({ ok: false, code: "NEEDS_CONFIRMATION" });
    expect(warned.errors?.name?.[0]).toContain("“Deploy bot” already exists");
    expect(await orgState(acme.org.id)).toEqual(before);

    const accepted = await createTokenAction(undefined, { ...input, createAnyway: "true" });
    expect(accepted, JSON.stringify(accepted)).toMatchObject({ ok: true });
    expect(accepted.data!.tokenId).not.toBe(token.id);
    expect(await db.apiToken.count({ where: { orgId: acme.org.id, name: "Deploy bot" } })).toBe(2);

    // A revoked token's name is free again.
    await revokeTokenAction(undefined, { tokenId: token.id, orgSlug: acme.org.slug });
    await revokeTokenAction(undefined, { tokenId: accepted.data!.tokenId, orgSlug: acme.org.slug });
    expect(await createTokenAction(undefined, input)).toMatchObject({ ok: true });
  });

  it("renaming a token to a name another token has is asked about too; keeping its own name is not", async () => {
    await actAs(acme.admin);
    await createToken(systemActor(acme), acme.org.id, { ...ORG_VISIBLE, name: "Release bot" });
    const { tokenId: id } = await freshToken(ORG_VISIBLE);
    const edit = { ...validCreate, tokenId: id, orgSlug: acme.org.slug };
    const before = await orgState(acme.org.id);
    const warned = await updateTokenAction(undefined, { ...edit, name: " Release bot" });
    expect(warned).toMatchObject({ ok: false, code: "NEEDS_CONFIRMATION" });
    expect(warned.errors?.name?.[0]).toContain("“Release bot” already exists");
    expect(await orgState(acme.org.id)).toEqual(before);

    expect(await updateTokenAction(undefined, { ...edit, name: "Release bot", saveAnyway: "true" })).toMatchObject({ ok: true });
    expect(await db.apiToken.count({ where: { orgId: acme.org.id, name: "Release bot" } })).toBe(2);
    // Now that it shares the name, saving its other settings does not ask again.
    expect(await updateTokenAction(undefined, { ...edit, name: "Release bot", quotaMax: "77" })).toMatchObject({ ok: true });
  });

  it("an edit or rotation from a stale form is a conflict, not an overwrite", async () => {
    await actAs(acme.admin);
    const { tokenId: id } = await freshToken(ORG_VISIBLE);
    const edit = { ...validCreate, tokenId: id, expectedVersion: "1" };
    expect(await updateTokenAction(undefined, { ...edit, name: "First", orgSlug: acme.org.slug })).toMatchObject({ ok: true });
    const before = await orgState(acme.org.id);
    expect(await updateTokenAction(undefined, { ...edit, name: "Second", orgSlug: acme.org.slug })).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
    expect(
      await rotateTokenAction(undefined, { tokenId: id, graceHours: "0", expectedVersion: "1", orgSlug: acme.org.slug }),
    ).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
    expect(await orgState(acme.org.id)).toEqual(before);
  });

  it("a revoked token cannot be enabled, rotated or revealed", async () => {
    await actAs(acme.admin);
    const { tokenId: id } = await freshToken(ORG_VISIBLE);
    expect(await revokeTokenAction(undefined, { tokenId: id, orgSlug: acme.org.slug })).toMatchObject({ ok: true });
    const before = await orgState(acme.org.id);
    for (const action of [enableTokenAction, revealTokenAction] as Action[]) {
      expect(await action(undefined, { tokenId: id, orgSlug: acme.org.slug })).toMatchObject({ ok: false, code: "CONFLICT" });
    }
    expect(await rotateTokenAction(undefined, { tokenId: id, graceHours: "0", orgSlug: acme.org.slug })).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
    expect(await orgState(acme.org.id)).toEqual(before);
  });
});

describe("token server actions: allowed networks from the forms", () => {
  beforeAll(async () => {
    acme ??= await createTestOrg("tokact");
    other ??= await createTestOrg("tokother");
  });

  const settings = { scopes: "report:read", visibility: "ADMIN_ONLY", quotaMax: "100", quotaWindow: "DAILY" };

  it("the create form's ranges (lines and commas) are stored canonical and shown back; the edit form changes and clears them", async () => {
    await actAs(acme.admin);
    const form = new FormData();
    for (const [key, value] of Object.entries({ ...settings, orgSlug: acme.org.slug, name: "Office only", expiresAt: "" }))
      form.set(key, value);
    form.set("allowedNetworks", "203.0.113.7/24\r\n2001:DB8::/32, 198.51.100.9\n");
    const created = await createTokenAction(undefined, form);
    expect(created, JSON.stringify(created)).toMatchObject({ ok: true });
    const tokenId = created.data!.tokenId;
    const shown = await getTokenForViewer(acme.org.id, "ADMIN", tokenId);
    expect(shown?.allowedNetworks).toEqual(["203.0.113.0/24", "2001:db8::/32", "198.51.100.9/32"]);
    expect((await listTokens(acme.org.id, "ADMIN", tokenListParamsSchema.parse({ q: tokenId }))).rows[0]?.allowedNetworks).toEqual(
      shown?.allowedNetworks,
    );

    // The edit form sends the list back as it showed it: nothing changes, nothing is audited.
    const edit = { ...settings, orgSlug: acme.org.slug, tokenId, name: "Office only" };
    expect(await updateTokenAction(undefined, { ...edit, allowedNetworks: shown!.allowedNetworks.join("\n") })).toMatchObject({ ok: true });
    expect(await db.auditEvent.count({ where: { targetId: tokenId, action: "token.updated" } })).toBe(0);

    expect(await updateTokenAction(undefined, { ...edit, allowedNetworks: "10.0.0.0/8" })).toMatchObject({ ok: true });
    expect((await getTokenForViewer(acme.org.id, "ADMIN", tokenId))?.allowedNetworks).toEqual(["10.0.0.0/8"]);
    expect(await updateTokenAction(undefined, { ...edit, allowedNetworks: "" })).toMatchObject({ ok: true });
    expect((await getTokenForViewer(acme.org.id, "ADMIN", tokenId))?.allowedNetworks).toEqual([]);
    const audited = await db.auditEvent.findMany({ where: { targetId: tokenId, action: "token.updated" } });
    const changes = audited.map((event) => (JSON.parse(event.metadata) as { changes: unknown }).changes);
    expect(changes).toHaveLength(2);
    expect(changes).toEqual(
      expect.arrayContaining([
        { allowedNetworks: { before: ["203.0.113.0/24", "2001:db8::/32", "198.51.100.9/32"], after: ["10.0.0.0/8"] } },
        { allowedNetworks: { before: ["10.0.0.0/8"], after: [] } },
      ]),
    );
  });

  it("names the range it refuses and keeps the stored list", async () => {
    await actAs(acme.admin);
    const { tokenId } = await freshToken(ORG_VISIBLE);
    const result = await updateTokenAction(undefined, {
      ...settings,
      orgSlug: acme.org.slug,
      tokenId,
      name: "x",
      allowedNetworks: "10.0.0.0/8\nnot-an-ip",
    });
    expect(result.errors?.allowedNetworks).toEqual(['Not a CIDR range: "not-an-ip". Use ranges such as 203.0.113.0/24 or 2001:db8::/32.']);
    expect((await getTokenForViewer(acme.org.id, "ADMIN", tokenId))?.allowedNetworks).toEqual([]);
  });
});
