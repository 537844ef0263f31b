import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { sriHash } from "@/lib/api/routes/tokens";
import type { ActionState } from "@/lib/auth/action";
import { holdersOf, type Permission } from "@/lib/auth/permissions";
import { db } from "@/lib/db/client";
import { createIncident } from "@/lib/db/incidents";
import { createInvitations } from "@/lib/db/member-mutations";
import { createService } from "@/lib/db/service-mutations";
import { createWebhook } from "@/lib/db/webhooks/mutations";
import { SCOPE_NAMES, type Scope } from "@/lib/tokens";

import { addToken, userActor, type Caller, type World } from "./world";

// THE authorization registry: every server action (every export of every 'use server' module in
// lib/actions), every REST API route (lib/api/endpoints.ts plus the two paths the handler serves
// before routing) and every route handler under app/, each with the outcome expected for every
// kind of caller. tests/integration/security-*.test.ts enumerate the code at test time and fail
// on anything missing here, so a new action or route cannot ship without a declared rule.

// ——— Server actions ———

export type ActionOutcome = "ok" | "redirect" | "refused" | NonNullable<ActionState["code"]>;
export type ActionExpectation = Record<Caller, ActionOutcome>;

export type ActionEntry = {
  /** Who the rule says may call it, in words (SECURITY.md quotes it); for an org action, from its permission. */
  rule: string;
  /** The permission an org action declares (orgAction) and re-checks in its writes' transactions. */
  permission?: Permission;
  /** A valid call against org A, with fresh targets for every call. */
  input: (w: World) => Promise<Record<string, unknown>>;
  /** The same call with org B's objects in every id field, sent by A's admin with A's slug. */
  foreignIds?: (w: World) => Promise<Record<string, unknown>>;
  /** Not an org action: no `orgSlug` in its input (sign-in, invitations, sign-out). */
  public?: true;
  /** Form actions take FormData only (a `<form action>`), never an object. */
  form?: true;
  expected: ActionExpectation;
  /** What `foreignIds` gets when not a refusal (a lookup answers "not found" rather than refusing). */
  foreignExpected?: "ok";
  /** Fields the action really takes that the mass-assignment list also names (a filter on status). */
  takes?: string[];
  /** Orgs an allowed call may change; default org A only. Refusals may change nothing anywhere. */
  mayChange?: Partial<Record<Caller, ("a" | "b")[]>>;
};

const ADMINS: ActionExpectation = {
  admin: "ok",
  member: "FORBIDDEN",
  "other org's admin": "NOT_FOUND",
  "removed member": "UNAUTHENTICATED",
  "removed member, signed in again": "NOT_FOUND",
  "signed out": "UNAUTHENTICATED",
};
const MEMBERS: ActionExpectation = { ...ADMINS, member: "ok" };

/** An org action's permission, and its rule in words: who holds the permission, and what else the action asks. */
function needs(permission: Permission, also?: string): Pick<ActionEntry, "permission" | "rule"> {
  return { permission, rule: `${holdersOf(permission)} (${permission})${also ? `, ${also}` : ""}` };
}

const orgVisibleToken = (w: World) => addToken(w.a.org.id, { visibility: "ORGANIZATION" });
const foreignToken = (w: World) => addToken(w.b.org.id, { visibility: "ORGANIZATION" });

async function invitation(w: World, email = `invitee-${randomUUID().slice(0, 8)}@sec.test`) {
  const result = await createInvitations(userActor(w.a.admin), w.a.org.id, [{ email }], "MEMBER");
  if (!result.ok || !result.created[0]) throw new Error("could not create an invitation");
  return result.created[0];
}

async function foreignInvitation(w: World) {
  const result = await createInvitations(
    userActor(w.b.admin),
    w.b.org.id,
    [{ email: `b-invitee-${randomUUID().slice(0, 8)}@sec.test` }],
    "MEMBER",
  );
  if (!result.ok || !result.created[0]) throw new Error("could not create an invitation");
  return result.created[0];
}

async function incident(orgId: string, admin: { id: string; email: string }) {
  const token = await addToken(orgId);
  const { incidentId } = await createIncident(userActor(admin), orgId, {
    action: "DISABLE",
    graceSeconds: 0,
    filter: { tokenIds: [token.id] },
    expectedCount: 1,
  });
  return incidentId;
}

/** An incident whose runner died: its lease lapsed, so it can be resumed. */
async function stalledIncident(orgId: string, admin: { id: string; email: string }) {
  const incidentId = await incident(orgId, admin);
  await db.incident.update({ where: { id: incidentId }, data: { leaseUntil: new Date(Date.now() - 60_000) } });
  return incidentId;
}

/** A registered service of the org, for the service actions. */
async function service(orgId: string, admin: { id: string; email: string }) {
  const { service } = await createService(userActor(admin), orgId, {
    slug: `svc-${randomUUID().slice(0, 8)}`,
    name: "Sec service",
    upstreamUrl: "http://127.0.0.1:9/",
    scopes: [{ name: "invoices:read", description: "" }],
    routes: [],
    defaultScope: null,
    defaultCost: 1,
  });
  return service.id;
}

const SERVICE_FORM = {
  name: "Billing",
  upstreamUrl: "http://127.0.0.1:9/billing",
  scopes: "invoices:read Read invoices\ninvoices:write",
  routes: "GET /invoices/:id invoices:read 1",
  defaultScope: "",
  defaultCost: "1",
};

/** A fresh repository (and label) of an org, so each call has its own target. */
async function repoOf(orgId: string) {
  const slug = `sec-repo-${randomUUID().slice(0, 8)}`;
  return db.repo.create({ data: { orgId, slug, name: slug }, select: { id: true, slug: true } });
}

async function labelOf(orgId: string) {
  return db.repoLabel.create({ data: { orgId, name: `sec-label-${randomUUID().slice(0, 8)}` }, select: { id: true } });
}

export const ACTIONS: Record<string, ActionEntry> = {
  // lib/actions/services.ts
  "services#createServiceAction": {
    ...needs("services:manage"),
    input: async () => ({ ...SERVICE_FORM, slug: `billing-${randomUUID().slice(0, 8)}` }),
    expected: ADMINS,
  },
  "services#updateServiceAction": {
    ...needs("services:manage"),
    input: async (w) => ({ ...SERVICE_FORM, serviceId: await service(w.a.org.id, w.a.admin) }),
    foreignIds: async (w) => ({ ...SERVICE_FORM, serviceId: await service(w.b.org.id, w.b.admin) }),
    expected: ADMINS,
  },
  "services#rotateServiceKeyAction": {
    ...needs("services:manage"),
    input: async (w) => ({ serviceId: await service(w.a.org.id, w.a.admin) }),
    foreignIds: async (w) => ({ serviceId: await service(w.b.org.id, w.b.admin) }),
    expected: ADMINS,
  },
  "services#disableServiceAction": {
    ...needs("services:manage"),
    input: async (w) => ({ serviceId: await service(w.a.org.id, w.a.admin) }),
    foreignIds: async (w) => ({ serviceId: await service(w.b.org.id, w.b.admin) }),
    expected: ADMINS,
  },
  "services#enableServiceAction": {
    ...needs("services:manage"),
    input: async (w) => ({ serviceId: await service(w.a.org.id, w.a.admin) }),
    foreignIds: async (w) => ({ serviceId: await service(w.b.org.id, w.b.admin) }),
    expected: ADMINS,
  },
  "services#deleteServiceAction": {
    ...needs("services:manage"),
    input: async (w) => ({ serviceId: await service(w.a.org.id, w.a.admin) }),
    foreignIds: async (w) => ({ serviceId: await service(w.b.org.id, w.b.admin) }),
    expected: ADMINS,
  },
  // lib/actions/repos.ts
  "repos#createRepoAction": {
    ...needs("repos:manage"),
    input: async () => ({ name: `created-${randomUUID().slice(0, 8)}`, description: "made here", visibility: "private" }),
    expected: ADMINS,
  },
  "repos#updateRepoAction": {
    ...needs("repos:manage"),
    input: async (w) => ({ repoId: (await repoOf(w.a.org.id)).id, name: `renamed-${randomUUID().slice(0, 8)}`, description: "changed" }),
    foreignIds: async (w) => ({ repoId: (await repoOf(w.b.org.id)).id, name: `renamed-${randomUUID().slice(0, 8)}`, description: "x" }),
    expected: ADMINS,
  },
  "repos#setRepoArchivedAction": {
    ...needs("repos:manage"),
    input: async (w) => ({ repoId: (await repoOf(w.a.org.id)).id, archived: "true" }),
    foreignIds: async (w) => ({ repoId: (await repoOf(w.b.org.id)).id, archived: "true" }),
    expected: ADMINS,
  },
  "repos#deleteRepoAction": {
    ...needs("repos:manage"),
    input: async (w) => ({ repoId: (await repoOf(w.a.org.id)).id }),
    foreignIds: async (w) => ({ repoId: (await repoOf(w.b.org.id)).id }),
    expected: ADMINS,
  },
  "repos#createRepoLabelAction": {
    ...needs("repos:manage"),
    input: async () => ({ name: `label-${randomUUID().slice(0, 8)}` }),
    expected: ADMINS,
  },
  "repos#renameRepoLabelAction": {
    ...needs("repos:manage"),
    input: async (w) => ({ labelId: (await labelOf(w.a.org.id)).id, name: `renamed-${randomUUID().slice(0, 8)}` }),
    foreignIds: async (w) => ({ labelId: (await labelOf(w.b.org.id)).id, name: `renamed-${randomUUID().slice(0, 8)}` }),
    expected: ADMINS,
  },
  "repos#deleteRepoLabelAction": {
    ...needs("repos:manage"),
    input: async (w) => ({ labelId: (await labelOf(w.a.org.id)).id }),
    foreignIds: async (w) => ({ labelId: (await labelOf(w.b.org.id)).id }),
    expected: ADMINS,
  },
  "repos#attachRepoLabelAction": {
    ...needs("repos:manage", "label and repository both of their org"),
    input: async (w) => ({ labelId: (await labelOf(w.a.org.id)).id, repoId: (await repoOf(w.a.org.id)).id }),
    // Org B's label on org A's repository: neither half may cross.
    foreignIds: async (w) => ({ labelId: (await labelOf(w.b.org.id)).id, repoId: (await repoOf(w.a.org.id)).id }),
    expected: ADMINS,
  },
  "repos#detachRepoLabelAction": {
    ...needs("repos:manage", "label and repository both of their org"),
    input: async (w) => {
      const [label, repo] = [await labelOf(w.a.org.id), await repoOf(w.a.org.id)];
      await db.repoLabelLink.create({ data: { labelId: label.id, repoId: repo.id, orgId: w.a.org.id } });
      return { labelId: label.id, repoId: repo.id };
    },
    // Org A's label with org B's repository: the repository is not found.
    foreignIds: async (w) => ({ labelId: (await labelOf(w.a.org.id)).id, repoId: (await repoOf(w.b.org.id)).id }),
    expected: ADMINS,
  },

  // lib/actions/tokens.ts
  "tokens#createTokenAction": {
    ...needs("tokens:manage"),
    // A fresh name each call: a repeated name is answered with the duplicate-name warning.
    input: async () => ({
      name: `Created ${randomUUID().slice(0, 8)}`,
      scopes: ["report:read"],
      visibility: "ADMIN_ONLY",
      quotaMax: "100",
      quotaWindow: "DAILY",
      expiresAt: "",
      allowedNetworks: "203.0.113.0/24",
    }),
    expected: ADMINS,
  },
  "tokens#updateTokenAction": {
    ...needs("tokens:manage"),
    input: async (w) => ({
      tokenId: (await orgVisibleToken(w)).id,
      name: "Renamed",
      scopes: ["repo"],
      visibility: "ADMIN_ONLY",
      quotaMax: "5",
      quotaWindow: "HOURLY",
      expiresAt: "",
      allowedNetworks: "203.0.113.0/24",
    }),
    foreignIds: async (w) => ({
      tokenId: (await foreignToken(w)).id,
      name: "Renamed",
      visibility: "ADMIN_ONLY",
      quotaMax: "5",
      quotaWindow: "HOURLY",
      expiresAt: "",
    }),
    expected: ADMINS,
  },
  "tokens#rotateTokenAction": {
    ...needs("tokens:manage"),
    input: async (w) => ({ tokenId: (await orgVisibleToken(w)).id, graceHours: "0" }),
    foreignIds: async (w) => ({ tokenId: (await foreignToken(w)).id, graceHours: "0" }),
    expected: ADMINS,
  },
  "tokens#disableTokenAction": {
    ...needs("tokens:manage"),
    input: async (w) => ({ tokenId: (await orgVisibleToken(w)).id }),
    foreignIds: async (w) => ({ tokenId: (await foreignToken(w)).id }),
    expected: ADMINS,
  },
  "tokens#enableTokenAction": {
    ...needs("tokens:manage"),
    input: async (w) => ({ tokenId: (await addToken(w.a.org.id, { status: "DISABLED" })).id }),
    foreignIds: async (w) => ({ tokenId: (await addToken(w.b.org.id, { status: "DISABLED" })).id }),
    expected: ADMINS,
  },
  "tokens#revokeTokenAction": {
    ...needs("tokens:manage"),
    input: async (w) => ({ tokenId: (await orgVisibleToken(w)).id }),
    foreignIds: async (w) => ({ tokenId: (await foreignToken(w)).id }),
    expected: ADMINS,
  },
  "tokens#revealTokenAction": {
    ...needs("tokens:reveal", `tokens they may see (admin-only tokens: ${holdersOf("tokens:view-admin-only")}, tokens:view-admin-only)`),
    input: async (w) => ({ tokenId: (await orgVisibleToken(w)).id }),
    foreignIds: async (w) => ({ tokenId: (await foreignToken(w)).id }),
    expected: MEMBERS,
  },

  // lib/actions/members.ts
  "members#changeMemberRole": {
    ...needs("members:manage"),
    input: async (w) => ({ userId: w.a.member.id, role: "ADMIN" }),
    foreignIds: async (w) => ({ userId: w.b.admin.id, role: "MEMBER" }),
    expected: ADMINS,
  },
  "members#removeMember": {
    ...needs("members:manage"),
    input: async (w) => ({ userId: w.a.member.id }),
    foreignIds: async (w) => ({ userId: w.b.admin.id }),
    expected: ADMINS,
  },
  "members#leaveOrganization": {
    ...needs("org:leave", "for themselves (not the last admin)"),
    input: async () => ({}),
    expected: { ...MEMBERS, admin: "redirect", member: "redirect" },
  },
  "members#updateGithubJoinSetting": {
    ...needs("members:manage"),
    input: async () => ({ githubOrg: "sec-gh-org" }),
    expected: ADMINS,
  },
  "members#rotateExposedTokens": {
    ...needs("tokens:manage", "for people who left or were removed"),
    input: async (w) => ({ userId: w.a.removed.id, graceSeconds: "0" }),
    foreignIds: async (w) => ({ userId: w.b.admin.id, graceSeconds: "0" }),
    expected: ADMINS,
  },

  // lib/actions/invitations.ts
  "invitations#inviteMembers": {
    ...needs("members:manage"),
    input: async () => ({ kind: "email", invitees: `new-${randomUUID().slice(0, 8)}@sec.test`, role: "MEMBER" }),
    expected: ADMINS,
  },
  "invitations#revokeInvitation": {
    ...needs("members:manage"),
    input: async (w) => ({ invitationId: (await invitation(w)).id }),
    foreignIds: async (w) => ({ invitationId: (await foreignInvitation(w)).id }),
    expected: ADMINS,
  },
  "invitations#resendInvitation": {
    ...needs("members:manage"),
    input: async (w) => ({ invitationId: (await invitation(w)).id }),
    foreignIds: async (w) => ({ invitationId: (await foreignInvitation(w)).id }),
    expected: ADMINS,
  },
  "invitations#acceptInvitation": {
    public: true,
    rule: "the signed-in person the invitation is addressed to (here: the removed member, invited back)",
    input: async (w) => ({ secret: (await invitation(w, w.a.removed.email)).secret }),
    expected: {
      admin: "CONFLICT",
      member: "CONFLICT",
      "other org's admin": "CONFLICT",
      "removed member": "UNAUTHENTICATED",
      "removed member, signed in again": "redirect",
      "signed out": "UNAUTHENTICATED",
    },
  },
  "invitations#acceptPendingInvitation": {
    public: true,
    rule: "the signed-in person the invitation is addressed to (someone else's invitation id is a 404)",
    input: async (w) => ({ invitationId: (await invitation(w, w.a.removed.email)).id }),
    expected: {
      admin: "NOT_FOUND",
      member: "NOT_FOUND",
      "other org's admin": "NOT_FOUND",
      "removed member": "UNAUTHENTICATED",
      "removed member, signed in again": "redirect",
      "signed out": "UNAUTHENTICATED",
    },
  },
  "invitations#acceptInvitationWithPassword": {
    public: true,
    rule: "anyone holding the link of an invitation to an address without an account (the secret is the credential)",
    input: async (w) => ({
      secret: (await invitation(w)).secret,
      name: "New Person",
      password: "a long enough password",
      confirmPassword: "a long enough password",
    }),
    expected: {
      admin: "redirect",
      member: "redirect",
      "other org's admin": "redirect",
      "removed member": "redirect",
      "removed member, signed in again": "redirect",
      "signed out": "redirect",
    },
  },
  "invitations#continueInvitationWithGithub": {
    public: true,
    rule: "anyone (starts GitHub sign-in; the invitation is checked when GitHub sends them back)",
    form: true,
    input: async (w) => ({ secret: (await invitation(w)).secret }),
    expected: {
      admin: "redirect",
      member: "redirect",
      "other org's admin": "redirect",
      "removed member": "redirect",
      "removed member, signed in again": "redirect",
      "signed out": "redirect",
    },
  },

  // lib/actions/session.ts
  "session#signInWithPassword": {
    public: true,
    rule: "anyone (a wrong password here: refused, throttled, nothing else changes)",
    input: async (w) => ({ email: w.a.admin.email, password: "not the password", callbackUrl: "/" }),
    expected: {
      admin: "refused",
      member: "refused",
      "other org's admin": "refused",
      "removed member": "refused",
      "removed member, signed in again": "refused",
      "signed out": "refused",
    },
  },
  "session#signOutAction": {
    public: true,
    rule: "anyone; ends the caller's own session only",
    input: async () => ({}),
    expected: {
      admin: "redirect",
      member: "redirect",
      "other org's admin": "redirect",
      "removed member": "redirect",
      "removed member, signed in again": "redirect",
      "signed out": "redirect",
    },
    mayChange: { "other org's admin": ["b"] },
  },
  "session#signInWithGithub": {
    public: true,
    rule: "anyone (starts GitHub sign-in)",
    form: true,
    input: async () => ({ callbackUrl: "/" }),
    expected: {
      admin: "redirect",
      member: "redirect",
      "other org's admin": "redirect",
      "removed member": "redirect",
      "removed member, signed in again": "redirect",
      "signed out": "redirect",
    },
  },

  // lib/actions/incidents.ts
  "incidents#createIncidentAction": {
    ...needs("incidents:manage", "confirming the org slug"),
    input: async (w) => ({
      action: "DISABLE",
      graceHours: "0",
      expectedCount: "1",
      confirmSlug: w.a.org.slug,
      tokenIds: (await orgVisibleToken(w)).id,
    }),
    foreignIds: async (w) => ({
      action: "DISABLE",
      graceHours: "0",
      expectedCount: "1",
      confirmSlug: w.a.org.slug,
      tokenIds: (await foreignToken(w)).id,
    }),
    takes: ["status"],
    expected: ADMINS,
  },
  "incidents#resumeIncidentAction": {
    ...needs("incidents:manage"),
    input: async (w) => ({ incidentId: await stalledIncident(w.a.org.id, w.a.admin) }),
    foreignIds: async (w) => ({ incidentId: await stalledIncident(w.b.org.id, w.b.admin) }),
    expected: ADMINS,
  },
  "incidents#endIncidentGraceAction": {
    ...needs("incidents:manage"),
    input: async (w) => ({ incidentId: await incident(w.a.org.id, w.a.admin) }),
    foreignIds: async (w) => ({ incidentId: await incident(w.b.org.id, w.b.admin) }),
    expected: ADMINS,
  },
  "incidents#endGraceAction": {
    ...needs("tokens:manage"),
    input: async (w) => ({ tokenId: (await orgVisibleToken(w)).id }),
    foreignIds: async (w) => ({ tokenId: (await foreignToken(w)).id }),
    expected: ADMINS,
  },
  "incidents#updateIncidentSettingsAction": {
    ...needs("incidents:manage"),
    input: async () => ({ leakedTokenPolicy: "FLAG", maxTokenLifetimeDays: "30" }),
    expected: ADMINS,
  },
  "incidents#dismissLeakReportAction": {
    ...needs("incidents:manage"),
    input: async (w) => ({ tokenId: (await addToken(w.a.org.id, { leakReported: true })).id }),
    foreignIds: async (w) => ({ tokenId: (await addToken(w.b.org.id, { leakReported: true })).id }),
    expected: ADMINS,
  },
  "incidents#lookupTokenAction": {
    ...needs("incidents:manage", "finding tokens only in orgs where they hold it"),
    input: async (w) => ({ text: `found in a log: ${(await orgVisibleToken(w)).value}` }),
    foreignIds: async (w) => ({ text: `found in a log: ${(await foreignToken(w)).value}` }),
    foreignExpected: "ok",
    expected: ADMINS,
  },
  "incidents#quickRotateAction": {
    ...needs("tokens:manage"),
    input: async (w) => ({ tokenId: (await orgVisibleToken(w)).id, graceHours: "0" }),
    foreignIds: async (w) => ({ tokenId: (await foreignToken(w)).id, graceHours: "0" }),
    expected: ADMINS,
  },
  "incidents#quickDisableAction": {
    ...needs("tokens:manage"),
    input: async (w) => ({ tokenId: (await orgVisibleToken(w)).id }),
    foreignIds: async (w) => ({ tokenId: (await foreignToken(w)).id }),
    expected: ADMINS,
  },

  // lib/actions/usage.ts
  "usage#narrowTokenScopesAction": {
    ...needs("tokens:manage", "here the token has no usage yet, so an admin gets a conflict: nothing to narrow"),
    input: async (w) => ({ tokenId: (await orgVisibleToken(w)).id, scopes: ["report:read"], expectedVersion: "1" }),
    foreignIds: async (w) => ({ tokenId: (await foreignToken(w)).id, scopes: ["report:read"], expectedVersion: "1" }),
    expected: { ...ADMINS, admin: "CONFLICT" },
  },

  // lib/actions/webhooks.ts
  "webhooks#createWebhookAction": {
    ...needs("webhooks:manage", "no private/loopback URL"),
    input: async () => ({ name: "sec hook", url: "https://hooks.example.com/k", events: ["token.revoked"] }),
    expected: ADMINS,
  },
  "webhooks#updateWebhookAction": {
    ...needs("webhooks:manage"),
    input: async (w) => ({
      webhookId: await addWebhook(w.a.org.id),
      name: "renamed",
      url: "https://hooks.example.com/k2",
      events: "token.created",
    }),
    foreignIds: async (w) => ({
      webhookId: await addWebhook(w.b.org.id),
      name: "renamed",
      url: "https://hooks.example.com/k2",
      events: "token.created",
    }),
    expected: ADMINS,
  },
  "webhooks#deleteWebhookAction": {
    ...needs("webhooks:manage"),
    input: async (w) => ({ webhookId: await addWebhook(w.a.org.id) }),
    foreignIds: async (w) => ({ webhookId: await addWebhook(w.b.org.id) }),
    expected: ADMINS,
  },
  "webhooks#setWebhookPausedAction": {
    ...needs("webhooks:manage"),
    input: async (w) => ({ webhookId: await addWebhook(w.a.org.id), paused: "true" }),
    foreignIds: async (w) => ({ webhookId: await addWebhook(w.b.org.id), paused: "true" }),
    expected: ADMINS,
  },
  "webhooks#sendTestWebhookAction": {
    ...needs("webhooks:manage"),
    input: async (w) => ({ webhookId: await addWebhook(w.a.org.id) }),
    foreignIds: async (w) => ({ webhookId: await addWebhook(w.b.org.id) }),
    expected: ADMINS,
  },
};

/** Fields an attacker adds to any action's input, hoping one is written through. */
export const MASS_ASSIGNMENT_FIELDS = (w: World): Record<string, unknown> => ({
  orgId: w.b.org.id,
  role: "ADMIN",
  hash: "0".repeat(64),
  remaining: "999999",
  quotaRemaining: "999999",
  createdById: w.b.admin.id,
  // The admin a token acts for decides whether its management scopes work.
  onBehalfOfId: w.b.admin.id,
  status: "ACTIVE",
  version: "1",
  userId: w.b.admin.id,
});

// ——— REST API ———

/**
 * Who calls the API, as the dashboard's callers map onto tokens: "admin" holds every scope,
 * "member" holds none (so only scope-free endpoints answer it), "other org's admin" is org B's
 * all-scope token, "removed member" is a revoked token of org A (offboarding revokes or rotates
 * what a departed person knew), "signed out" sends no token at all.
 */
export const API_CALLERS = ["admin", "member", "other org's admin", "removed member", "signed out"] as const;
export type ApiCaller = (typeof API_CALLERS)[number];

export type ApiWorld = World & {
  tokens: Record<Exclude<ApiCaller, "signed out">, { id: string; value: string }>;
  reportA: string;
};

export type ApiRequest = { method: string; path: string; json?: unknown; body?: FormData; headers?: Record<string, string> };

export type ApiEntry = {
  rule: string;
  request: (w: ApiWorld) => Promise<ApiRequest>;
  /** The same request naming org B's objects (path ids and body identifiers), sent by A's admin token. */
  foreignIds?: (w: ApiWorld) => Promise<ApiRequest>;
  expected: Record<ApiCaller, number>;
  mayChange?: Partial<Record<ApiCaller, ("a" | "b")[]>>;
};

const ALL_SCOPES = SCOPE_NAMES.filter((scope) => !scope.includes(":")) as Scope[];

export async function createApiWorld(world: World): Promise<ApiWorld> {
  const [admin, member, other, removed] = await Promise.all([
    addToken(world.a.org.id, { scopes: ALL_SCOPES, name: "a-admin", visibility: "ADMIN_ONLY" }),
    addToken(world.a.org.id, { scopes: [], name: "a-member" }),
    addToken(world.b.org.id, { scopes: ALL_SCOPES, name: "b-admin", visibility: "ADMIN_ONLY" }),
    addToken(world.a.org.id, { scopes: ALL_SCOPES, name: "a-revoked" }),
  ]);
  await db.apiToken.update({ where: { id: removed.id }, data: { status: "REVOKED", revokedAt: new Date(), version: { increment: 1 } } });
  await db.apiTokenValue.updateMany({ where: { tokenId: removed.id }, data: { ciphertext: null } });
  const reportA = randomBytes(16).toString("hex");
  await db.report.create({ data: { id: reportA, orgId: world.a.org.id, repo: "secret-repo-a" } });
  return { ...world, tokens: { admin, member, "other org's admin": other, "removed member": removed }, reportA };
}

const SCOPED = (ok: number, otherOrg = 404): Record<ApiCaller, number> => ({
  admin: ok,
  member: 403,
  "other org's admin": otherOrg,
  "removed member": 401,
  "signed out": 401,
});
const SCOPE_FREE = (otherOrg = 404): Record<ApiCaller, number> => ({ ...SCOPED(200, otherOrg), member: 200 });
const PUBLIC = (status: number): Record<ApiCaller, number> => ({
  admin: status,
  member: status,
  "other org's admin": status,
  "removed member": status,
  "signed out": status,
});

function manifestUpload(): FormData {
  const form = new FormData();
  form.append("package.json", new Blob(['{"name":"sec"}']), "package.json");
  return form;
}

const tokenPaths = (prefix: "tokens" | "api-tokens", w: ApiWorld) => `/v0/orgs/${w.a.org.slug}/${prefix}`;

function tokenRoutes(prefix: "tokens" | "api-tokens"): Record<string, ApiEntry> {
  const ids = prefix === "tokens" ? ["getAPITokens", "postAPIToken"] : ["getOrgApiTokens", "postOrgApiToken"];
  return {
    [ids[0]]: {
      rule: "api-tokens:list, own org only",
      request: async (w) => ({ method: "GET", path: `${tokenPaths(prefix, w)}?token_values=include` }),
      expected: SCOPED(200),
    },
    [ids[1]]: {
      rule: "api-tokens:create, own org only, no scope beyond its own",
      request: async (w) => ({ method: "POST", path: tokenPaths(prefix, w), json: { name: "via api", scopes: ["report:read"] } }),
      expected: SCOPED(200),
    },
  };
}

/** The repository routes by slug: org A's repository, or (foreignIds) org B's slug through A's path. */
function repoRoutes(): Record<string, ApiEntry> {
  const route = (method: string, scope: string, json?: unknown): ApiEntry => ({
    rule: `${scope}, own org's repositories only`,
    request: async (w) => ({ method, path: `/v0/orgs/${w.a.org.slug}/repos/${(await repoOf(w.a.org.id)).slug}`, json }),
    foreignIds: async (w) => ({ method, path: `/v0/orgs/${w.a.org.slug}/repos/${(await repoOf(w.b.org.id)).slug}`, json }),
    expected: SCOPED(200),
  });
  return {
    getOrgRepo: route("GET", "repo:read"),
    updateOrgRepo: route("POST", "repo:write", { description: "changed via api" }),
    deleteOrgRepo: route("DELETE", "repo:write"),
  };
}

/** The label routes by id: org A's label, or (foreignIds) org B's label through A's path. */
function labelRoutes(): Record<string, ApiEntry> {
  const route = (method: string, scope: string, json?: unknown): ApiEntry => ({
    rule: `${scope}, own org's labels only`,
    request: async (w) => ({ method, path: `/v0/orgs/${w.a.org.slug}/repos/labels/${(await labelOf(w.a.org.id)).id}`, json }),
    foreignIds: async (w) => ({ method, path: `/v0/orgs/${w.a.org.slug}/repos/labels/${(await labelOf(w.b.org.id)).id}`, json }),
    expected: SCOPED(200),
  });
  const link = (action: "associate" | "disassociate"): ApiEntry => ({
    rule: "repo-label:update, label and repository both of its own org",
    request: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/repos/labels/${(await labelOf(w.a.org.id)).id}/${action}`,
      json: { repository_id: (await repoOf(w.a.org.id)).id },
    }),
    // Org A's label with org B's repository: the repository is not found.
    foreignIds: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/repos/labels/${(await labelOf(w.a.org.id)).id}/${action}`,
      json: { repository_id: (await repoOf(w.b.org.id)).id },
    }),
    expected: SCOPED(200),
  });
  return {
    getOrgRepoLabel: route("GET", "repo-label:list"),
    updateOrgRepoLabel: route("PUT", "repo-label:update", { name: `renamed-${randomUUID().slice(0, 8)}` }),
    deleteOrgRepoLabel: route("DELETE", "repo-label:delete"),
    associateOrgRepoLabel: link("associate"),
    disassociateOrgRepoLabel: link("disassociate"),
  };
}

export const API_ROUTES: Record<string, ApiEntry> = {
  getQuota: {
    rule: "any live token (its own quota)",
    request: async () => ({ method: "GET", path: "/v0/quota" }),
    expected: SCOPE_FREE(200),
  },
  getOrganizations: {
    rule: "any live token (its own org)",
    request: async () => ({ method: "GET", path: "/v0/organizations" }),
    expected: SCOPE_FREE(200),
  },
  getOrgTelemetryConfig: {
    rule: "any live token, own org only",
    request: async (w) => ({ method: "GET", path: `/v0/orgs/${w.a.org.slug}/telemetry/config` }),
    expected: SCOPE_FREE(404),
  },
  updateOrgTelemetryConfig: {
    rule: "telemetry-policy:update, own org only",
    request: async (w) => ({ method: "PUT", path: `/v0/orgs/${w.a.org.slug}/telemetry/config`, json: { enabled: true } }),
    expected: SCOPED(200),
  },
  postOrgTelemetry: {
    rule: "any live token, own org only (counted, never sent anywhere)",
    request: async (w) => ({ method: "POST", path: `/v0/orgs/${w.a.org.slug}/telemetry`, json: { event_type: "cli_start" } }),
    expected: SCOPE_FREE(404),
  },
  getEntitlements: {
    rule: "any live token, own org only",
    request: async (w) => ({ method: "GET", path: `/v0/orgs/${w.a.org.slug}/entitlements` }),
    expected: SCOPE_FREE(404),
  },
  getAuditLogEvents: {
    rule: "audit-log:list, own org only, admin-only tokens (an organization-visible token: 403)",
    request: async (w) => ({ method: "GET", path: `/v0/orgs/${w.a.org.slug}/audit-log?page=0` }),
    expected: SCOPED(200),
  },
  getOrgRepoList: {
    rule: "repo:list, own org only",
    request: async (w) => ({ method: "GET", path: `/v0/orgs/${w.a.org.slug}/repos` }),
    expected: SCOPED(200),
  },
  getOrgRepoLabelList: {
    rule: "repo-label:list, own org only",
    request: async (w) => ({ method: "GET", path: `/v0/orgs/${w.a.org.slug}/repos/labels` }),
    expected: SCOPED(200),
  },
  createOrgRepoLabel: {
    rule: "repo-label:create, own org only",
    request: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/repos/labels`,
      json: { name: `api-${randomUUID().slice(0, 8)}` },
    }),
    expected: SCOPED(201),
  },
  ...labelRoutes(),
  createOrgRepo: {
    rule: "repo:write, own org only",
    request: async (w) => ({ method: "POST", path: `/v0/orgs/${w.a.org.slug}/repos`, json: { name: `api-${randomUUID().slice(0, 8)}` } }),
    expected: SCOPED(201),
  },
  ...repoRoutes(),
  getReportList: {
    rule: "report:list (its own org's reports)",
    request: async () => ({ method: "GET", path: "/v0/report/list" }),
    expected: SCOPED(200, 200),
  },
  getReport: {
    rule: "report:read, own org's reports only",
    request: async (w) => ({ method: "GET", path: `/v0/report/view/${w.reportA}` }),
    expected: SCOPED(200),
  },
  createReport: {
    rule: "report:write (into its own org)",
    request: async () => ({ method: "PUT", path: "/v0/report/upload?repo=sec", body: manifestUpload() }),
    expected: SCOPED(200, 200),
    mayChange: { "other org's admin": ["b"] },
  },
  ...tokenRoutes("tokens"),
  ...tokenRoutes("api-tokens"),
  postAPITokenUpdate: {
    rule: "api-tokens:update, own org, only tokens within its scopes",
    request: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/tokens/${(await addToken(w.a.org.id)).id}/update`,
      json: { name: "renamed" },
    }),
    foreignIds: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/tokens/${(await addToken(w.b.org.id)).id}/update`,
      json: { name: "renamed" },
    }),
    expected: SCOPED(200),
  },
  postAPITokensRotate: {
    rule: "api-tokens:rotate, own org, only tokens within its scopes",
    request: async (w) => ({ method: "POST", path: `/v0/orgs/${w.a.org.slug}/tokens/${(await addToken(w.a.org.id)).id}/rotate`, json: {} }),
    foreignIds: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/tokens/${(await addToken(w.b.org.id)).id}/rotate`,
      json: {},
    }),
    expected: SCOPED(200),
  },
  postAPITokensRevoke: {
    rule: "api-tokens:revoke, own org",
    request: async (w) => ({ method: "POST", path: `/v0/orgs/${w.a.org.slug}/tokens/${(await addToken(w.a.org.id)).id}/revoke`, json: {} }),
    foreignIds: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/tokens/${(await addToken(w.b.org.id)).id}/revoke`,
      json: {},
    }),
    expected: SCOPED(200),
  },
  postOrgApiTokenUpdate: {
    rule: "api-tokens:update, own org, only tokens within its scopes",
    request: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/api-tokens/update`,
      json: { uuid: (await addToken(w.a.org.id)).id, name: "renamed" },
    }),
    foreignIds: async (w) => foreignBodyIdentifiers(w, "update", { name: "renamed" }),
    expected: SCOPED(200),
  },
  postOrgApiTokenRotate: {
    rule: "api-tokens:rotate, own org, only tokens within its scopes",
    request: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/api-tokens/rotate`,
      json: { uuid: (await addToken(w.a.org.id)).id },
    }),
    foreignIds: async (w) => foreignBodyIdentifiers(w, "rotate", {}),
    expected: SCOPED(200),
  },
  postOrgApiTokenRevoke: {
    rule: "api-tokens:revoke, own org",
    request: async (w) => ({
      method: "POST",
      path: `/v0/orgs/${w.a.org.slug}/api-tokens/revoke`,
      json: { uuid: (await addToken(w.a.org.id)).id },
    }),
    foreignIds: async (w) => foreignBodyIdentifiers(w, "revoke", {}),
    expected: SCOPED(200),
  },
  getOrgWebhooksList: {
    rule: "webhooks:list, own org only, an admin-only token acting for a current admin",
    request: async (w) => ({ method: "GET", path: `/v0/orgs/${w.a.org.slug}/webhooks` }),
    expected: SCOPED(200),
  },
  createOrgWebhook: {
    rule: "webhooks:create, own org only, an admin-only token acting for a current admin; no private/loopback URL",
    request: async (w) => ({ method: "POST", path: `/v0/orgs/${w.a.org.slug}/webhooks`, json: webhookBody() }),
    expected: SCOPED(201),
  },
  getOrgWebhook: {
    rule: "webhooks:list, own org's webhooks only",
    request: async (w) => ({ method: "GET", path: `/v0/orgs/${w.a.org.slug}/webhooks/${await addWebhook(w.a.org.id)}` }),
    foreignIds: async (w) => ({ method: "GET", path: `/v0/orgs/${w.a.org.slug}/webhooks/${await addWebhook(w.b.org.id)}` }),
    expected: SCOPED(200),
  },
  updateOrgWebhook: {
    rule: "webhooks:update, own org's webhooks only",
    request: async (w) => ({
      method: "PUT",
      path: `/v0/orgs/${w.a.org.slug}/webhooks/${await addWebhook(w.a.org.id)}`,
      json: { name: "renamed" },
    }),
    foreignIds: async (w) => ({
      method: "PUT",
      path: `/v0/orgs/${w.a.org.slug}/webhooks/${await addWebhook(w.b.org.id)}`,
      json: { name: "renamed" },
    }),
    expected: SCOPED(200),
  },
  deleteOrgWebhook: {
    rule: "webhooks:delete, own org's webhooks only",
    request: async (w) => ({ method: "DELETE", path: `/v0/orgs/${w.a.org.slug}/webhooks/${await addWebhook(w.a.org.id)}` }),
    foreignIds: async (w) => ({ method: "DELETE", path: `/v0/orgs/${w.a.org.slug}/webhooks/${await addWebhook(w.b.org.id)}` }),
    expected: SCOPED(200),
  },
};

const webhookBody = () => ({
  name: `hook ${randomUUID().slice(0, 6)}`,
  url: "https://hooks.example.com/keyward",
  secret: "security-registry-secret-123456",
  events: ["token.revoked" as const],
});

/** A webhook written by the org's first admin, as the dashboard would. */
async function addWebhook(orgId: string): Promise<string> {
  const admin = await db.membership.findFirstOrThrow({ where: { orgId, role: "ADMIN" }, include: { user: true } });
  const webhook = await createWebhook(userActor(admin.user), orgId, webhookBody());
  return webhook.id;
}

/** Org B's token named by every identifier the body accepts (uuid, value id, value, hash) at once. */
async function foreignBodyIdentifiers(w: ApiWorld, verb: string, extra: Record<string, unknown>): Promise<ApiRequest> {
  const token = await addToken(w.b.org.id);
  const variants = [{ uuid: token.id }, { id: token.valueId }, { token: token.value }, { hash: sriHash(token.hash) }, { hash: token.hash }];
  const pick = variants[Math.floor(Math.random() * variants.length)]!;
  return { method: "POST", path: `/v0/orgs/${w.a.org.slug}/api-tokens/${verb}`, json: { ...pick, ...extra } };
}

/** A toy upstream for the gateway's entry, started once: it answers every call with `{ "ok": true }`. */
let gatewayUpstream: Promise<string> | null = null;
function toyUpstream(): Promise<string> {
  gatewayUpstream ??= new Promise((resolve) => {
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
    upstream.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`));
    upstream.unref();
  });
  return gatewayUpstream;
}

/**
 * A service of org A behind the gateway, whose scope org A's admin token holds (no other
 * caller's token does); org B has a service of the same slug, which its admin's token holds.
 */
async function gatewayService(w: ApiWorld): Promise<string> {
  const slug = `sec-${randomBytes(4).toString("hex")}`;
  const upstreamUrl = await toyUpstream();
  for (const [orgId, tokenId] of [
    [w.a.org.id, w.tokens.admin.id],
    [w.b.org.id, w.tokens["other org's admin"].id],
  ]) {
    await db.service.create({
      data: {
        orgId,
        name: slug,
        slug: orgId === w.a.org.id ? slug : `${slug}-b`,
        upstreamUrl,
        defaultScope: "api",
        keyHash: randomBytes(32).toString("hex"),
        keyLastFour: "abcd",
        scopes: { create: [{ name: "api" }] },
      },
    });
    const slugOfOrg = orgId === w.a.org.id ? slug : `${slug}-b`;
    await db.apiToken.update({
      where: { id: tokenId },
      data: { serviceScopes: `${slugOfOrg}/api ${slug}/api`, version: { increment: 1 } },
    });
  }
  return slug;
}

/** Paths the API handler answers before routing, without a Keyward token. */
export const API_UNROUTED: Record<string, ApiEntry> = {
  "/gw/{service}/{path}": {
    rule: "a token holding the service's scope, own org's services only (another org's slug is not found, even with a ref naming it)",
    request: async (w) => ({ method: "POST", path: `/gw/${await gatewayService(w)}/anything?x=1`, json: { a: 1 } }),
    expected: { admin: 200, member: 403, "other org's admin": 404, "removed member": 401, "signed out": 401 },
  },
  "/v0/openapi.json": {
    rule: "public (the API description)",
    request: async () => ({ method: "GET", path: "/v0/openapi.json" }),
    expected: PUBLIC(200),
  },
  "/v0/openapi": {
    rule: "public (the API description, at Socket's path)",
    request: async () => ({ method: "GET", path: "/v0/openapi" }),
    expected: PUBLIC(200),
  },
  "/v0/leaked-tokens": {
    rule: "public (secret scanners report leaks; the same 202 whatever matched)",
    request: async () => ({ method: "POST", path: "/v0/leaked-tokens", json: { tokens: [`kw_${"A".repeat(36)}`] } }),
    expected: PUBLIC(202),
  },
  "/v1/verify": {
    rule: "a service's verification key (kws_) only, for its own service and org: every Keyward token is refused",
    request: async (w) => ({ method: "POST", path: "/v1/verify", json: { token: w.tokens.admin.value, scope: "invoices:read" } }),
    expected: PUBLIC(401),
  },
};

// ——— Route handlers (app/**/route.ts) ———

export type RouteHandlerEntry =
  | {
      rule: string;
      method: "GET";
      call: (w: World) => Promise<{ request: Request; params: Record<string, string> }>;
      expected: Record<Caller, number>;
      /** The one change a 200 makes: this audit event in the caller's org (a read that is itself audited). */
      auditsOnSuccess?: string;
    }
  | { rule: string; checkedOverHttp: string };

export const ROUTE_HANDLERS: Record<string, RouteHandlerEntry> = {
  "app/(dashboard)/[orgSlug]/audit/export/route.ts": {
    rule: "org admins (the audit log names every member's reveals)",
    method: "GET",
    call: async (w) => ({
      request: new Request(`http://keyward.test/${w.a.org.slug}/audit/export?format=json&action=token.created`),
      params: { orgSlug: w.a.org.slug },
    }),
    auditsOnSuccess: "audit.exported",
    expected: {
      admin: 200,
      member: 403,
      "other org's admin": 404,
      "removed member": 303,
      "removed member, signed in again": 404,
      "signed out": 303,
    },
  },
  "app/(dashboard)/[orgSlug]/tokens/[id]/usage.csv/route.ts": {
    rule: "org members, tokens they may see (admin-only tokens: admins)",
    method: "GET",
    call: async (w) => {
      const token = await addToken(w.a.org.id, { visibility: "ORGANIZATION" });
      return {
        request: new Request(`http://keyward.test/${w.a.org.slug}/tokens/${token.id}/usage.csv`),
        params: { orgSlug: w.a.org.slug, id: token.id },
      };
    },
    expected: {
      admin: 200,
      member: 200,
      "other org's admin": 404,
      "removed member": 303,
      "removed member, signed in again": 404,
      "signed out": 303,
    },
  },
  "app/api/auth/[...nextauth]/route.ts": {
    rule: "Auth.js endpoints: public, its own CSRF token on every POST",
    checkedOverHttp: "e2e/security.spec.ts (sign-out and sign-in POSTs without Auth.js's CSRF token or from another origin change nothing)",
  },
};
