// Signing out ends the server-side session, so a copy of the old cookie is refused: through
// Auth.js's own endpoint (POST /api/auth/signout) and through the app's sign-out action.
// Also: Auth.js's own sign-in endpoint keeps callbackUrl on this site.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";

import { signOutAction } from "@/lib/actions/session";
import { handlers } from "@/lib/auth/next-auth";
import { hashPassword } from "@/lib/auth/password";
import { getCurrentUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { CLIENT_IP_HEADER } from "@/lib/server/client-ip";

import { AuthjsBrowser } from "../support/authjs-browser";
import { testRequest } from "../support/request-as";

const APP = "http://localhost:3999";
const PASSWORD = "correct horse battery staple";
let email: string;
let userId: string;

beforeAll(async () => {
  email = `signout-${randomUUID()}@example.test`;
  userId = (await db.user.create({ data: { email, name: "Leaving", passwordHash: await hashPassword(PASSWORD) } })).id;
});

async function signInThroughAuthjs(callbackUrl = "/") {
  const browser = new AuthjsBrowser(handlers, { [CLIENT_IP_HEADER]: `192.0.2.${Math.floor(Math.random() * 250)}` });
  const csrfToken = await browser.csrfToken(APP);
  const signedIn = await browser.request(`${APP}/api/auth/callback/credentials`, {
    method: "POST",
    body: new URLSearchParams({ csrfToken, email, password: PASSWORD, callbackUrl }),
  });
  return { browser, csrfToken, signedIn, cookie: browser.header() };
}

/**
 * Who a request carrying this cookie is, as every page and action decides it: Auth.js decodes the
 * cookie (its real session endpoint), then getCurrentUser requires the session row it names.
 */
async function whoHas(cookie: string) {
  const decoded = (await (await new AuthjsBrowser(handlers).request(`${APP}/api/auth/session`, { cookie })).json()) as {
    sid?: string;
  } | null;
  testRequest.sessionId = decoded?.sid ?? null;
  testRequest.headers = new Headers({ cookie });
  return getCurrentUser();
}

describe("signing out", () => {
  it("through Auth.js's POST /api/auth/signout deletes the session, so the old cookie is refused", async () => {
    const { browser, csrfToken, cookie } = await signInThroughAuthjs();
    expect(await whoHas(cookie)).toMatchObject({ id: userId });
    const sessionsBefore = await db.session.count({ where: { userId } });

    const signedOut = await browser.request(`${APP}/api/auth/signout`, { method: "POST", body: new URLSearchParams({ csrfToken }) });
    expect(signedOut.status).toBe(302);

    expect(await whoHas(cookie)).toBeNull();
    expect(await db.session.count({ where: { userId } })).toBe(sessionsBefore - 1);
  });

  it("through the app's sign-out action deletes the session, so the old cookie is refused", async () => {
    const { cookie } = await signInThroughAuthjs();
    expect(await whoHas(cookie)).toMatchObject({ id: userId });
    const sessionsBefore = await db.session.count({ where: { userId } });

    // whoHas left the request carrying this cookie, as the browser's POST to the action would.
    await expect(signOutAction()).rejects.toThrow("NEXT_REDIRECT");

    expect(await whoHas(cookie)).toBeNull();
    expect(await db.session.count({ where: { userId } })).toBe(sessionsBefore - 1);
  });

  it("ends only the session signed out of, not the same person's other sessions", async () => {
    const laptop = await signInThroughAuthjs();
    const phone = await signInThroughAuthjs();
    await laptop.browser.request(`${APP}/api/auth/signout`, { method: "POST", body: new URLSearchParams({ csrfToken: laptop.csrfToken }) });
    expect(await whoHas(laptop.cookie)).toBeNull();
    expect(await whoHas(phone.cookie)).toMatchObject({ id: userId });
  });
});

describe("Auth.js's own sign-in endpoint", () => {
  it.each(["/\\evil.example", "/\t/evil.example", "//evil.example", "https://evil.example/"])(
    "sends callbackUrl %j to this site's home",
    async (callbackUrl) => {
      const { signedIn } = await signInThroughAuthjs(callbackUrl);
      expect(signedIn.headers.get("location")).toBe(`${APP}/`);
    },
  );

  it("keeps a path on this site", async () => {
    const { signedIn } = await signInThroughAuthjs("/acme/tokens?x=1");
    expect(signedIn.headers.get("location")).toBe(`${APP}/acme/tokens?x=1`);
  });
});
