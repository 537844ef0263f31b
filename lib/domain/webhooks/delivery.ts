import { createHmac, timingSafeEqual } from "node:crypto";

// How a webhook delivery is sent, retried, and given up on; and how a receiver checks it.

/** Attempts per delivery, the first included; after the last failure the delivery is FAILED. */
export const MAX_DELIVERY_ATTEMPTS = 8;
/** Failed attempts in a row (any deliveries) after which a webhook is paused and admins are told. */
export const PAUSE_AFTER_CONSECUTIVE_FAILURES = 10;
export const FIRST_RETRY_DELAY_MS = 30_000;
export const MAX_RETRY_DELAY_MS = 60 * 60_000;
/** A receiver should refuse a timestamp further than this from its own clock. */
export const REPLAY_WINDOW_SECONDS = 300;
export const DELIVERY_TIMEOUT_MS = 10_000;

export const SIGNATURE_HEADER = "x-keyward-signature";
export const TIMESTAMP_HEADER = "x-keyward-timestamp";
export const EVENT_HEADER = "x-keyward-event";
export const DELIVERY_HEADER = "x-keyward-delivery";

/** Delay before attempt `attempt + 1`, after `attempt` failed ones: 30 s, 1 min, 2 min, … capped at 1 h. */
export function retryDelayMs(failedAttempts: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, failedAttempts - 1));
}

export type AttemptOutcome = { ok: boolean };

/** What a failed or successful attempt does to the delivery. */
export function afterAttempt(
  attempt: number,
  outcome: AttemptOutcome,
  now: Date,
): { status: "DELIVERED" } | { status: "PENDING"; nextAttemptAt: Date } | { status: "FAILED" } {
  if (outcome.ok) return { status: "DELIVERED" };
  if (attempt >= MAX_DELIVERY_ATTEMPTS) return { status: "FAILED" };
  return { status: "PENDING", nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempt)) };
}

/** Any 2xx is delivered; anything else (redirects included: they are not followed) is a failure. */
export function isDeliveredStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/** How an automatic pause's reason starts (the admins' banner looks for it). */
export const AUTO_PAUSE_REASON_PREFIX = "Paused automatically";

export function shouldPause(consecutiveFailures: number): boolean {
  return consecutiveFailures >= PAUSE_AFTER_CONSECUTIVE_FAILURES;
}

/** `v1=` + hex HMAC-SHA256 of `<timestamp>.<body>` under the webhook's secret. */
export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex")}`;
}

/** The receiver's check (the README's snippet does the same): signature matches and timestamp is fresh. */
export function verifySignature(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  nowSeconds: number,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isSafeInteger(timestamp)) return false;
  if (Math.abs(nowSeconds - timestamp) > REPLAY_WINDOW_SECONDS) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
