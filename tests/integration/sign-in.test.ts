import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { signInWithPassword } from "@/lib/actions/session";
import { beginSignIn } from "@/lib/auth/login-throttle";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { stampClientIp } from "@/lib/server/client-ip";

import { actAs } from "../support/request-as";

const PASSWORD = "correct horse battery staple";

async function attempt(email: string, password: string, ip: string) {
  await actAs(null, { ip });
  try {
    return await signInWithPassword(undefined, { email, password, callbackUrl: "/" });
  } catch (error) {
    // A successful sign-in ends in Next's redirect to the callback URL.
    if (error instanceof Error && error.message === "NEXT_REDIRECT") return { ok: true, redirected: true };
    throw error;
  }
}

describe("password sign-in", () => {
  let email: string;
  let userId: string;
  beforeAll(async () => {
    email = `user-${randomUUID()}@example.test`;
    const user = await db.user.create({ data: { email, name: "User", passwordHash: await hashPassword(PASSWORD) } });
    userId = user.id;
  });

  it("signs in with the right password and starts a new server-side session each time", async () => {
    const before = await db.session.count({ where: { userId } });
    expect(await attempt(email, PASSWORD, "198.51.100.1")).toMatchObject({ redirected: true });
    expect(await attempt(email.toUpperCase(), PASSWORD, "198.51.100.1")).toMatchObject({ redirected: true });
    expect(await db.session.count({ where: { userId } })).toBe(before + 2);
  });

  it("answers an unknown email exactly like a wrong password", async () => {
    const wrong = await attempt(email, "wrong", "198.51.100.2");
    const unknown = await attempt(`nobody-${randomUUID()}@example.test`, "wrong", "198.51.100.2");
    expect(wrong).toEqual({ ok: false, message: "Incorrect email or password." });
    expect(unknown).toEqual(wrong);
  });

  it("rejects malformed input with field errors", async () => {
    const result = await attempt("not-an-email", "", "198.51.100.3");
    expect(result).toMatchObject({ ok: false, code: "INVALID" });
    expect(Object.keys((result as { errors: object }).errors).sort()).toEqual(["email", "password"]);
  });

  it("throttles repeated failures from one address without locking the owner out elsewhere", async () => {
    const attacker = "203.0.113.66";
    for (let i = 0; i < 5; i++) await attempt(email, `guess-${i}`, attacker);
    const locked = await attempt(email, PASSWORD, attacker);
    expect(locked).toEqual({ ok: false, message: "Too many failed attempts. Try again in 15 minutes." });
    // The right password from the owner's own address still works.
    expect(await attempt(email, PASSWORD, "192.0.2.10")).toMatchObject({ redirected: true });
  });

  it("a burst of concurrent guesses gets no more tries than guesses sent one at a time", async () => {
    const victim = `burst-${randomUUID()}@example.test`;
    await db.user.create({ data: { email: victim, name: "Burst", passwordHash: await hashPassword(PASSWORD) } });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(victim, `guess-${i}`, "203.0.113.88")));
    const checked = results.filter((r) => "message" in r && r.message === "Incorrect email or password.");
    // Five per address and account; the rest are refused before any password is checked.
    expect(checked.length).toBeLessThanOrEqual(5);
    expect(results.filter((r) => "message" in r && /^Too many failed attempts/.test(String(r.message)))).toHaveLength(20 - checked.length);
    expect(await attempt(victim, PASSWORD, "203.0.113.88")).toMatchObject({ message: expect.stringMatching(/^Too many failed attempts/) });
  });

  it("guesses spread over many addresses lock the account for minutes elsewhere, never at the owner's known address", async () => {
    const owner = `spread-${randomUUID()}@example.test`;
    await db.user.create({ data: { email: owner, name: "Spread", passwordHash: await hashPassword(PASSWORD) } });
    const home = "192.0.2.44";
    expect(await attempt(owner, PASSWORD, home)).toMatchObject({ redirected: true });
    for (let i = 0; i < 55; i++) await attempt(owner, `guess-${i}`, `198.18.${Math.floor(i / 250)}.${i % 250}`);
    // A new address waits a few minutes (the account lock is short, and not extended by more guesses)…
    const elsewhere = await attempt(owner, PASSWORD, "198.18.9.9");
    expect(elsewhere).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Too many failed attempts\. Try again in [1-5] minutes?\.$/),
    });
    // …while the owner signs in from where they did before.
    expect(await attempt(owner, PASSWORD, home)).toMatchObject({ redirected: true });
  });

  it("throttles an unknown email exactly like a known one, so the lock tells nothing", async () => {
    const address = "203.0.113.99";
    const known = `known-${randomUUID()}@example.test`;
    await db.user.create({ data: { email: known, name: "Known", passwordHash: await hashPassword(PASSWORD) } });
    const unknown = `unknown-${randomUUID()}@example.test`;
    const run = async (who: string) => {
      const results = [];
      for (let i = 0; i < 7; i++) results.push(await attempt(who, `guess-${i}`, address));
      return results;
    };
    expect(await run(unknown)).toEqual(await run(known));
  });

  it("a lock ends on time however many attempts it refuses, and the count then starts afresh", async () => {
    const who = `lock-${randomUUID()}@example.test`;
    const address = "203.0.113.111";
    const start = Date.now();
    const at = (ms: number) => new Date(start + ms);
    for (let i = 0; i < 5; i++) {
      const guess = await beginSignIn(who, address, at(i));
      expect(guess.allowed).toBe(true);
      if (guess.allowed) await guess.finish(false);
    }
    for (let minute = 0; minute < 15; minute++)
      expect(await beginSignIn(who, address, at(minute * 60_000 + 5))).toMatchObject({ allowed: false });
    for (let i = 0; i < 5; i++) {
      const guess = await beginSignIn(who, address, at(15 * 60_000 + 1_000 + i));
      expect(guess.allowed).toBe(true);
      if (guess.allowed) await guess.finish(false);
    }
    expect(await beginSignIn(who, address, at(15 * 60_000 + 2_000))).toEqual({ allowed: false, minutes: 15 });
  });

  it("throttles one address spraying many accounts", async () => {
    const sprayer = "203.0.113.77";
    for (let i = 0; i < 30; i++) await attempt(`victim-${i}-${randomUUID()}@example.test`, "guess", sprayer);
    expect(await attempt(email, PASSWORD, sprayer)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^Too many failed attempts/),
    });
  });
});

describe("password sign-in behind one trusted proxy (TRUST_PROXY=1)", () => {
  // Keyward's HTTP server stamps the client address exactly like this before the action runs.
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const ip = stampClientIp(req, 1);
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        const { email, password } = JSON.parse(body) as { email: string; password: string };
        void attempt(email, password, ip).then((result) => res.end(JSON.stringify(result)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  /** A request as the proxy forwards it: the client's own X-Forwarded-For with the address the proxy saw appended. */
  async function viaProxy(forwardedFor: string, email: string, password: string) {
    const response = await fetch(base, {
      method: "POST",
      headers: { "x-forwarded-for": forwardedFor },
      body: JSON.stringify({ email, password }),
    });
    return (await response.json()) as { ok?: boolean; message?: string; redirected?: boolean };
  }

  it("throttles the address the proxy saw, so a forged X-Forwarded-For cannot lock the victim out", async () => {
    const owner = `proxied-${randomUUID()}@example.test`;
    await db.user.create({ data: { email: owner, name: "Proxied", passwordHash: await hashPassword(PASSWORD) } });
    const victimIp = "192.0.2.77";
    const attackerIp = "203.0.113.177";
    for (let i = 0; i < 6; i++) await viaProxy(`${victimIp}, ${attackerIp}`, owner, `guess-${i}`);
    expect(await viaProxy(victimIp, owner, PASSWORD)).toMatchObject({ redirected: true });
    expect(await viaProxy(`${victimIp}, ${attackerIp}`, owner, PASSWORD)).toMatchObject({
      message: expect.stringMatching(/^Too many failed attempts/),
    });
  });

  it("keeps throttling an attacker who writes a new X-Forwarded-For for every guess", async () => {
    const owner = `rotated-${randomUUID()}@example.test`;
    await db.user.create({ data: { email: owner, name: "Rotated", passwordHash: await hashPassword(PASSWORD) } });
    const attackerIp = "203.0.113.178";
    for (let i = 0; i < 5; i++)
      expect(await viaProxy(`198.18.7.${i}, ${attackerIp}`, owner, `guess-${i}`)).toEqual({
        ok: false,
        message: "Incorrect email or password.",
      });
    expect(await viaProxy(`198.18.7.99, ${attackerIp}`, owner, "guess-5")).toMatchObject({
      message: expect.stringMatching(/^Too many failed attempts/),
    });
  });
});
