import { db } from "../db/client";

// Three counters, so that an attacker can neither guess freely nor lock a victim out for long:
// per account+IP (tight), per IP (spraying many accounts), per account (distributed guessing,
// with a short lock so the owner is back in within minutes).
const WINDOW_MS = 15 * 60_000;
const RULES = [
  { scope: "pair", maxFailures: 5, lockMs: 15 * 60_000 },
  { scope: "ip", maxFailures: 30, lockMs: 15 * 60_000 },
  { scope: "account", maxFailures: 50, lockMs: 5 * 60_000 },
] as const;

function keysFor(email: string, ip: string) {
  return { pair: `pair:${email}|${ip}`, ip: `ip:${ip}`, account: `account:${email}` } as const;
}

/** Minutes until the caller may try again, or 0 when not throttled. */
export async function signInLockedFor(email: string, ip: string, now = new Date()): Promise<number> {
  const keys = keysFor(email, ip);
  const rows = await db.loginThrottle.findMany({ where: { key: { in: Object.values(keys) } } });
  const lockedUntil = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
  return lockedUntil > now.getTime() ? Math.ceil((lockedUntil - now.getTime()) / 60_000) : 0;
}

export async function recordFailedSignIn(email: string, ip: string, now = new Date()): Promise<void> {
  const keys = keysFor(email, ip);
  for (const rule of RULES) {
    const key = keys[rule.scope];
    const row = await db.loginThrottle.findUnique({ where: { key } });
    const fresh = !row || now.getTime() - row.windowStart.getTime() > WINDOW_MS;
    const failures = fresh ? 1 : row.failures + 1;
    const lockedUntil = failures >= rule.maxFailures ? new Date(now.getTime() + rule.lockMs) : (row?.lockedUntil ?? null);
    await db.loginThrottle.upsert({
      where: { key },
      create: { key, failures, windowStart: now, lockedUntil },
      update: { failures, windowStart: fresh ? now : row.windowStart, lockedUntil },
    });
  }
}

export async function clearFailedSignIns(email: string, ip: string): Promise<void> {
  await db.loginThrottle.deleteMany({ where: { key: keysFor(email, ip).pair } });
}
