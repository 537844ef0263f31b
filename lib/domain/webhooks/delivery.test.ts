import { describe, expect, it } from "vitest";

import {
  afterAttempt,
  MAX_DELIVERY_ATTEMPTS,
  PAUSE_AFTER_CONSECUTIVE_FAILURES,
  REPLAY_WINDOW_SECONDS,
  retryDelayMs,
  shouldPause,
  signPayload,
  verifySignature,
} from "./delivery";
import { AUDIT_ACTION_EVENTS, deserializeEvents, isWebhookEventType, serializeEvents, webhookEventForAudit } from "./events";

describe("retries", () => {
  it("back off exponentially from 30 s, capped at an hour", () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(20)).toBe(3_600_000);
  });

  it("give up after the last attempt", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(afterAttempt(1, { ok: false }, now)).toEqual({ status: "PENDING", nextAttemptAt: new Date("2026-01-01T00:00:30Z") });
    expect(afterAttempt(MAX_DELIVERY_ATTEMPTS, { ok: false }, now)).toEqual({ status: "FAILED" });
    expect(afterAttempt(3, { ok: true }, now)).toEqual({ status: "DELIVERED" });
  });

  it("pause a webhook at the failure limit, not before", () => {
    expect(shouldPause(PAUSE_AFTER_CONSECUTIVE_FAILURES - 1)).toBe(false);
    expect(shouldPause(PAUSE_AFTER_CONSECUTIVE_FAILURES)).toBe(true);
  });
});

describe("signatures", () => {
  const body = '{"type":"token.revoked"}';
  const now = 1_800_000_000;

  it("verify with the right secret inside the replay window", () => {
    const signature = signPayload("s3cret", now, body);
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verifySignature("s3cret", { signature, timestamp: String(now) }, body, now + REPLAY_WINDOW_SECONDS)).toBe(true);
  });

  it("fail for another secret, a changed body, a changed timestamp or an old timestamp", () => {
    const signature = signPayload("s3cret", now, body);
    expect(verifySignature("other", { signature, timestamp: String(now) }, body, now)).toBe(false);
    expect(verifySignature("s3cret", { signature, timestamp: String(now) }, body + " ", now)).toBe(false);
    expect(verifySignature("s3cret", { signature, timestamp: String(now + 1) }, body, now)).toBe(false);
    expect(verifySignature("s3cret", { signature, timestamp: String(now) }, body, now + REPLAY_WINDOW_SECONDS + 1)).toBe(false);
  });
});

describe("events", () => {
  it("map every listed audit action to a catalogue event, and others to none", () => {
    for (const event of Object.values(AUDIT_ACTION_EVENTS)) expect(isWebhookEventType(event)).toBe(true);
    expect(webhookEventForAudit("token.revoked")).toBe("token.revoked");
    expect(webhookEventForAudit("member.left")).toBe("member.removed");
    expect(webhookEventForAudit("service.key_leak_reported")).toBe("service.key_leak_reported");
    expect(webhookEventForAudit("token.revealed")).toBeNull();
    expect(webhookEventForAudit("constructor")).toBeNull();
  });

  it("store in canonical order and drop unknown names", () => {
    expect(serializeEvents(["token.revoked", "token.created"])).toBe("token.created token.revoked");
    expect(deserializeEvents("token.revoked bogus token.created")).toEqual(["token.created", "token.revoked"]);
  });
});
