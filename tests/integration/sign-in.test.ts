import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { signInWithPassword } from "@/lib/actions/session";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
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

  it("throttles one address spraying many accounts", async () => {
    const sprayer = "203.0.113.77";
    for (let i = 0; i < 30; i++) await attempt(`victim-${i}-${randomUUID()}@example.test`, "guess", sprayer);
    expect(await attempt(email, PASSWORD, sprayer)).toMatchObject({ ok: false, message: expect.stringMatching(/^Too many failed attempts/) });
  });
});
