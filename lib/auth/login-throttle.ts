import { db } from "../db/client";

// Three counters, so that an attacker can neither guess freely nor lock a victim out:
// - per account+address (tight): one address guessing one account;
// - per address: one address spraying many accounts;
// - per account: guesses spread over many addresses. This one locks the account for minutes,
//   and never at an address that signed in to it successfully before (a known address): the
//   owner keeps signing in from home or office however long an attacker keeps it up.
// Every attempt is counted before the password is checked, by an atomic increment, so a burst of
// concurrent guesses gets no more tries than guesses sent one at a time. Attempts refused during
// a lock are not counted, so they do not extend it; when a lock ends the count starts afresh.
const WINDOW_MS = 15 * 60_000;
const KNOWN_ADDRESS_MS = 90 * 24 * 60 * 60_000;
const RULES = [
  { scope: "pair", maxFailures: 5, lockMs: 15 * 60_000 },
  { scope: "ip", maxFailures: 30, lockMs: 15 * 60_000 },
  { scope: "account", maxFailures: 50, lockMs: 5 * 60_000 },
] as const;
type Rule = (typeof RULES)[number];

function keysFor(email: string, ip: string) {
  return { pair: `pair:${email}|${ip}`, ip: `ip:${ip}`, account: `account:${email}`, known: `known:${email}|${ip}` } as const;
}

export type SignInAttempt =
  | { allowed: false; minutes: number }
  | { allowed: true; /** Records the outcome once the password was checked. */ finish(success: boolean): Promise<void> };

/** Counts a sign-in attempt before the password is checked; refused while any counter is locked or spent. */
export async function beginSignIn(email: string, ip: string, now = new Date()): Promise<SignInAttempt> {
  const keys = keysFor(email, ip);
  const known = await db.loginThrottle.findUnique({ where: { key: keys.known } });
  const isKnownAddress = known !== null && now.getTime() - known.windowStart.getTime() < KNOWN_ADDRESS_MS;
  const rules = RULES.filter((rule) => rule.scope !== "account" || !isKnownAddress);
  const ruleKeys = rules.map((rule) => keys[rule.scope]);

  // A window that has passed, or a lock that has ended, starts a fresh count (a running lock stays).
  await db.loginThrottle.updateMany({
    where: {
      key: { in: ruleKeys },
      OR: [{ windowStart: { lt: new Date(now.getTime() - WINDOW_MS) }, lockedUntil: null }, { lockedUntil: { lte: now } }],
    },
    data: { failures: 0, windowStart: now, lockedUntil: null },
  });
  const locked = await db.loginThrottle.findMany({
    where: { key: { in: ruleKeys }, lockedUntil: { gt: now } },
    select: { lockedUntil: true },
  });
  if (locked.length > 0) return { allowed: false, minutes: minutesUntil(locked, now) };

  const counted: { rule: Rule; key: string; failures: number }[] = [];
  for (const rule of rules) counted.push({ rule, key: keys[rule.scope], failures: await increment(keys[rule.scope], now) });
  const over = counted.filter((c) => c.failures > c.rule.maxFailures);
  if (over.length > 0) {
    // Concurrent guesses beyond the allowance: the counter is spent, so it locks now.
    await lock(over, now);
    const lockedNow = await db.loginThrottle.findMany({
      where: { key: { in: over.map((c) => c.key) }, lockedUntil: { gt: now } },
      select: { lockedUntil: true },
    });
    return { allowed: false, minutes: Math.max(1, minutesUntil(lockedNow, now)) };
  }

  return {
    allowed: true,
    async finish(success) {
      if (!success)
        return lock(
          counted.filter((c) => c.failures >= c.rule.maxFailures),
          now,
        );
      // The right password: this attempt was no failure, and this address is now known.
      await db.loginThrottle.updateMany({ where: { key: keys.pair }, data: { failures: 0 } });
      await db.loginThrottle.updateMany({
        where: { key: { in: [keys.ip, keys.account] }, failures: { gt: 0 } },
        data: { failures: { decrement: 1 } },
      });
      await upsertRetrying(keys.known, { windowStart: now }, { key: keys.known, failures: 0, windowStart: now });
    },
  };
}

/** Atomically adds one to a counter (creating it) and returns the new count. */
async function increment(key: string, now: Date): Promise<number> {
  const row = await upsertRetrying(key, { failures: { increment: 1 } }, { key, failures: 1, windowStart: now });
  return row.failures;
}

/** Locks spent counters unless already locked: a lock is never extended. */
async function lock(spent: { rule: Rule; key: string }[], now: Date): Promise<void> {
  for (const { rule, key } of spent) {
    await db.loginThrottle.updateMany({
      where: { key, OR: [{ lockedUntil: null }, { lockedUntil: { lte: now } }] },
      data: { lockedUntil: new Date(now.getTime() + rule.lockMs) },
    });
  }
}

function minutesUntil(rows: { lockedUntil: Date | null }[], now: Date): number {
  const until = Math.max(0, ...rows.map((r) => r.lockedUntil?.getTime() ?? 0));
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 60_000) : 0;
}

type ThrottleCreate = { key: string; failures: number; windowStart: Date };

/** Upsert, retried once when a concurrent first attempt created the row between its read and insert. */
async function upsertRetrying(key: string, update: { failures?: { increment: number }; windowStart?: Date }, create: ThrottleCreate) {
  try {
    return await db.loginThrottle.upsert({ where: { key }, update, create });
  } catch (error) {
    if ((error as { code?: unknown }).code !== "P2002") throw error;
    return db.loginThrottle.update({ where: { key }, data: update });
  }
}
