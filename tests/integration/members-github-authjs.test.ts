// The whole GitHub sign-in through Auth.js's own route handlers (the code behind /api/auth/*)
// and the local GitHub stand-in: CSRF, redirect to authorize with PKCE, callback, token
// exchange, profile, our signIn callback, and the server-side session it starts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

import { db } from "@/lib/db/client";
import { createInvitations } from "@/lib/db/member-mutations";

import { AuthjsBrowser } from "../support/authjs-browser";
import { authorizeAs, startFakeGithub, type FakeGithub } from "../support/fake-github";
import { createTestOrg } from "../support/request-as";

// The provider is configured when next-auth's module loads, so its environment comes first.
const fakePort = await vi.hoisted(async () => {
  const { createServer: listen } = await import("node:net");
  const port = await new Promise<number>((resolve) => {
    const probe = listen().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  process.env.AUTH_GITHUB_ID = "authjs-test-client";
  process.env.AUTH_GITHUB_SECRET = "authjs-test-secret";
  process.env.AUTH_GITHUB_URL = `http://127.0.0.1:${port}`;
  process.env.AUTH_GITHUB_API_URL = `http://127.0.0.1:${port}/api/v3`;
  return port;
});

const APP = "http://localhost:3999";
let github: FakeGithub;
let handlers: typeof import("@/lib/auth/next-auth").handlers;

beforeAll(async () => {
  github = await startFakeGithub({ clientId: "authjs-test-client", clientSecret: "authjs-test-secret", port: fakePort });
  ({ handlers } = await import("@/lib/auth/next-auth"));
});
afterAll(async () => {
  await github.close();
  for (const key of ["AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET", "AUTH_GITHUB_URL", "AUTH_GITHUB_API_URL"]) delete process.env[key];
});

async function signInThroughAuthjs(login: string) {
  const browser = new AuthjsBrowser(handlers);
  const csrfToken = await browser.csrfToken(APP);
  const start = await browser.request(`${APP}/api/auth/signin/github`, {
    method: "POST",
    body: new URLSearchParams({ csrfToken, callbackUrl: `${APP}/after` }),
  });
  const authorizeUrl = start.headers.get("location") ?? "";
  const back = await authorizeAs(authorizeUrl, login);
  const done = await browser.request(back.toString());
  return { authorizeUrl: new URL(authorizeUrl), done, browser };
}

describe("GitHub sign-in through Auth.js", () => {
  it("asks the configured GitHub for read:org with PKCE, and starts a session for the invited person", async () => {
    const { org, admin } = await createTestOrg("authjs");
    const login = `hub-${randomUUID().slice(0, 6)}`;
    github.addUser({
      id: 7_000_000 + Math.floor(Math.random() * 1e6),
      login,
      name: "Hub",
      emails: [{ email: `${login}@example.test`, primary: true, verified: true }],
    });
    await createInvitations(
      { userId: admin.id, label: admin.email, ip: null, userAgent: null },
      org.id,
      [{ githubLogin: login }],
      "MEMBER",
    );

    const { authorizeUrl, done } = await signInThroughAuthjs(login);
    expect(authorizeUrl.origin).toBe(`http://127.0.0.1:${fakePort}`);
    expect(authorizeUrl.searchParams.get("scope")).toBe("read:user user:email read:org");
    expect(authorizeUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toBe(`${APP}/after`);

    const user = await db.user.findUniqueOrThrow({
      where: { email: `${login}@example.test` },
      include: { memberships: true, sessions: true },
    });
    expect(user.memberships.map((m) => [m.orgId, m.role])).toEqual([[org.id, "MEMBER"]]);
    expect(user.sessions).toHaveLength(1);
  });

  it("sends a GitHub account nobody invited back to sign-in with an explanation, without a session", async () => {
    const login = `nobody-${randomUUID().slice(0, 6)}`;
    github.addUser({
      id: 8_000_000 + Math.floor(Math.random() * 1e6),
      login,
      emails: [{ email: `${login}@example.test`, primary: true, verified: true }],
    });
    const { done, browser } = await signInThroughAuthjs(login);
    expect(done.headers.get("location")).toBe(`${APP}/sign-in?error=GitHubNoAccount`);
    expect([...browser.cookies.keys()].some((name) => name.includes("session-token"))).toBe(false);
    expect(await db.user.count({ where: { email: `${login}@example.test` } })).toBe(0);
  });
});
