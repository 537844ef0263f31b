import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";

import { signInWithPassword } from "@/lib/actions/session";
import { hashPassword } from "@/lib/auth/password";
import { db } from "@/lib/db/client";
import { captureLogLines } from "@/lib/logger";

import { actAs } from "../support/request-as";

// The operator's log: one `warn` line per refused password sign-in, saying why, for which email
// and from which address (to spot guessing), and never the password that was tried.

const PASSWORD = "correct horse battery staple";

/** Signs in and returns the log lines written meanwhile. */
async function logOfAttempt(email: string, password: string, ip: string) {
  await actAs(null, { ip });
  const capture = captureLogLines();
  try {
    await signInWithPassword(undefined, { email, password, callbackUrl: "/" });
  } finally {
    capture.stop();
  }
  return capture.lines;
}

const refusals = (lines: Record<string, unknown>[]) => lines.filter((line) => line.event === "sign-in refused");

describe("refused sign-in log lines", () => {
  let email: string;
  beforeAll(async () => {
    email = `logged-${randomUUID()}@example.test`;
    await db.user.create({ data: { email, name: "Logged", passwordHash: await hashPassword(PASSWORD) } });
  });

  it("logs a wrong password with the reason, the email and the address, without the password", async () => {
    const guess = `guess-${randomUUID()}`;
    const lines = await logOfAttempt(email, guess, "198.51.100.71");
    expect(refusals(lines)).toEqual([
      expect.objectContaining({ level: 40, msg: "sign-in refused", reason: "wrong-password", email, ip: "198.51.100.71" }),
    ]);
    expect(refusals(lines)[0]).not.toHaveProperty("password");
    expect(JSON.stringify(lines)).not.toContain(guess);
  });

  it("logs an unknown account as such, without the password", async () => {
    const nobody = `nobody-${randomUUID()}@example.test`;
    const guess = `guess-${randomUUID()}`;
    const lines = await logOfAttempt(nobody, guess, "198.51.100.72");
    expect(refusals(lines)).toEqual([
      expect.objectContaining({ level: 40, reason: "unknown-account", email: nobody, ip: "198.51.100.72" }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(guess);
  });

  it("logs a throttled attempt with how long the address is locked, even when the password is right, and never the password", async () => {
    const attacker = "203.0.113.171";
    for (let i = 0; i < 5; i++) await logOfAttempt(email, `guess-${i}`, attacker);
    const lines = await logOfAttempt(email, PASSWORD, attacker);
    expect(refusals(lines)).toEqual([expect.objectContaining({ level: 40, reason: "throttled", email, ip: attacker, lockedMinutes: 15 })]);
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
  });

  it("writes no refusal line for a sign-in that succeeds", async () => {
    await actAs(null, { ip: "192.0.2.171" });
    const capture = captureLogLines();
    try {
      await signInWithPassword(undefined, { email, password: PASSWORD, callbackUrl: "/" }).catch((error: unknown) => {
        // A successful sign-in ends in Next's redirect to the callback URL.
        if (!(error instanceof Error && error.message === "NEXT_REDIRECT")) throw error;
      });
    } finally {
      capture.stop();
    }
    expect(refusals(capture.lines)).toEqual([]);
    expect(JSON.stringify(capture.lines)).not.toContain(PASSWORD);
  });
});
