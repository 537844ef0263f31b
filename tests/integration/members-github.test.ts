// GitHub sign-in against a local server that behaves like GitHub: linking accounts, accepting
// GitHub-login invitations, and "members of GitHub organization X may join".
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { completeGithubSignIn, fetchGithubProfile, githubUrls, isGithubOrgMember } from "@/lib/auth/github";
import { hashInvitationSecret, invitationExpiry, newInvitationSecret } from "@/lib/auth/invitation-secret";
import { listUserOrgs } from "@/lib/auth/org-access";
import { db } from "@/lib/db/client";
import { createInvitations } from "@/lib/db/member-mutations";

import { authorizeAs, startFakeGithub, type FakeGithub } from "../support/fake-github";
import { createTestOrg } from "../support/request-as";

const CLIENT = { clientId: "keyward-test-client", clientSecret: "keyward-test-secret" };
const REDIRECT_URI = "http://127.0.0.1:9/api/auth/callback/github";

let github: FakeGithub;
const savedEnv = { web: process.env.AUTH_GITHUB_URL, api: process.env.AUTH_GITHUB_API_URL };

beforeAll(async () => {
  github = await startFakeGithub(CLIENT);
  process.env.AUTH_GITHUB_URL = github.url;
  process.env.AUTH_GITHUB_API_URL = github.apiUrl;
});
afterAll(async () => {
  for (const [key, value] of [
    ["AUTH_GITHUB_URL", savedEnv.web],
    ["AUTH_GITHUB_API_URL", savedEnv.api],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await github.close();
});

let nextId = 5_000_000 + Math.floor(Math.random() * 1_000_000);
function githubUser(opts: { emails?: { email: string; primary: boolean; verified: boolean }[]; orgs?: string[] } = {}) {
  const login = `Gh-${randomUUID().slice(0, 8)}`;
  const user = {
    id: nextId++,
    login,
    name: `GitHub ${login}`,
    emails: opts.emails ?? [{ email: `${login.toLowerCase()}@users.example.test`, primary: true, verified: true }],
    orgs: opts.orgs ?? [],
  };
  github.addUser(user);
  return user;
}

/** The OAuth dance as the browser and Auth.js perform it: authorize, get the code back, exchange it. */
async function oauthTokenFor(login: string): Promise<string> {
  const authorize = new URL(`${github.url}/login/oauth/authorize`);
  authorize.search = new URLSearchParams({
    client_id: CLIENT.clientId,
    redirect_uri: REDIRECT_URI,
    state: "st4te",
    scope: "read:user",
  }).toString();
  const back = await authorizeAs(authorize.toString(), login);
  expect(back.searchParams.get("state")).toBe("st4te");
  const response = await fetch(`${github.url}/login/oauth/access_token`, {
    method: "POST",
    headers: {
      Accept: "application/json",
      Authorization: `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "authorization_code", code: back.searchParams.get("code")!, redirect_uri: REDIRECT_URI }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`token exchange failed: ${body.error}`);
  return body.access_token;
}

async function signInWithGithub(login: string, inviteSecret?: string) {
  const accessToken = await oauthTokenFor(login);
  const profile = await fetchGithubProfile(accessToken);
  return completeGithubSignIn({ profile, accessToken, inviteSecret });
}

describe("the GitHub endpoints", () => {
  it("come from AUTH_GITHUB_URL and AUTH_GITHUB_API_URL", () => {
    expect(githubUrls()).toEqual({ web: github.url, api: github.apiUrl });
  });

  it("give a profile with only the verified addresses", async () => {
    const user = githubUser({
      emails: [
        { email: "Primary@Example.test", primary: true, verified: true },
        { email: "unverified@example.test", primary: false, verified: false },
      ],
    });
    const profile = await fetchGithubProfile(await oauthTokenFor(user.login));
    expect(profile).toMatchObject({
      id: user.id,
      login: user.login,
      verified_emails: ["primary@example.test"],
      primary_verified_email: "primary@example.test",
    });
  });

  it("refuse a forged access token", async () => {
    await expect(fetchGithubProfile("gho_forged")).rejects.toThrow(/401/);
  });

  it("answer organization membership for the token's owner", async () => {
    const insider = githubUser({ orgs: ["acme-corp"] });
    const outsider = githubUser();
    expect(await isGithubOrgMember(await oauthTokenFor(insider.login), "acme-corp", insider.login)).toBe(true);
    expect(await isGithubOrgMember(await oauthTokenFor(outsider.login), "acme-corp", outsider.login)).toBe(false);
  });
});

describe("signing in with GitHub", () => {
  it("refuses a GitHub account Keyward does not expect, creating nothing", async () => {
    const stranger = githubUser();
    const users = await db.user.count();
    expect(await signInWithGithub(stranger.login)).toEqual({ ok: false, reason: "no_account" });
    expect(await db.user.count()).toBe(users);
  });

  it("accepts a GitHub-login invitation: a new account with the invited role", async () => {
    const { org, admin } = await createTestOrg("ghinv");
    const invitee = githubUser();
    const invited = await createInvitations(
      { userId: admin.id, label: admin.email, ip: null, userAgent: null },
      org.id,
      [{ githubLogin: invitee.login.toLowerCase() }],
      "ADMIN",
    );
    expect(invited.ok).toBe(true);
    const result = await signInWithGithub(invitee.login);
    expect(result.ok).toBe(true);
    const user = await db.user.findUniqueOrThrow({ where: { githubId: String(invitee.id) } });
    expect(user).toMatchObject({ email: invitee.emails[0].email, githubLogin: invitee.login.toLowerCase(), name: invitee.name });
    expect(await listUserOrgs(user.id)).toEqual([{ slug: org.slug, name: org.name, role: "ADMIN" }]);
    expect(await db.invitation.count({ where: { orgId: org.id, acceptedById: user.id } })).toBe(1);
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "member.joined", actorUserId: user.id } })).toBe(1);

    // Signing in again is the same user, with nothing joined twice.
    expect(await signInWithGithub(invitee.login)).toEqual({ ok: true, userId: user.id });
    expect(await db.membership.count({ where: { userId: user.id } })).toBe(1);
  });

  it("links an existing user by a GitHub-verified address, never by an unverified one", async () => {
    const existing = await db.user.create({ data: { email: `linked-${randomUUID().slice(0, 8)}@example.test`, name: "Existing" } });
    const squatter = githubUser({ emails: [{ email: existing.email, primary: true, verified: false }] });
    expect(await signInWithGithub(squatter.login)).toEqual({ ok: false, reason: "no_account" });
    expect((await db.user.findUniqueOrThrow({ where: { id: existing.id } })).githubId).toBeNull();

    const owner = githubUser({ emails: [{ email: existing.email.toUpperCase(), primary: true, verified: true }] });
    expect(await signInWithGithub(owner.login)).toEqual({ ok: true, userId: existing.id });
    expect(await db.user.findUniqueOrThrow({ where: { id: existing.id } })).toMatchObject({
      githubId: String(owner.id),
      githubLogin: owner.login.toLowerCase(),
    });
  });

  it("admits members of the org's GitHub organization as members, and nobody else", async () => {
    const { org } = await createTestOrg("ghorg");
    const githubOrg = `corp-${randomUUID().slice(0, 6)}`;
    await db.org.update({ where: { id: org.id }, data: { githubOrgLogin: githubOrg } });
    const insider = githubUser({ orgs: [githubOrg] });
    const outsider = githubUser({ orgs: ["some-other-org"] });

    const joined = await signInWithGithub(insider.login);
    expect(joined.ok).toBe(true);
    expect(await listUserOrgs((joined as { userId: string }).userId)).toEqual([{ slug: org.slug, name: org.name, role: "MEMBER" }]);
    expect(github.apiCalls).toContain(`GET /orgs/${githubOrg}/members/${insider.login}`);
    const event = await db.auditEvent.findFirstOrThrow({ where: { orgId: org.id, action: "member.joined" } });
    expect(JSON.parse(event.metadata)).toMatchObject({ via: "github_org", githubOrg });

    expect(await signInWithGithub(outsider.login)).toEqual({ ok: false, reason: "no_account" });
    expect(await db.membership.count({ where: { orgId: org.id } })).toBe(3);
  });

  it("accepts the email invitation the person came from, with the invited address", async () => {
    const { org } = await createTestOrg("ghmail");
    const secret = newInvitationSecret();
    const invitedEmail = `invited-${org.slug}@example.test`;
    await db.invitation.create({
      data: { orgId: org.id, email: invitedEmail, role: "MEMBER", secretHash: hashInvitationSecret(secret), expiresAt: invitationExpiry() },
    });
    const person = githubUser();
    const result = await signInWithGithub(person.login, secret);
    expect(result.ok).toBe(true);
    const user = await db.user.findUniqueOrThrow({ where: { id: (result as { userId: string }).userId } });
    expect(user).toMatchObject({ email: invitedEmail, githubId: String(person.id) });
    expect(await listUserOrgs(user.id)).toEqual([{ slug: org.slug, name: org.name, role: "MEMBER" }]);

    // The link is used now: another GitHub account arriving with it gets nothing.
    const second = githubUser();
    expect(await signInWithGithub(second.login, secret)).toEqual({ ok: false, reason: "no_account" });
  });
});
