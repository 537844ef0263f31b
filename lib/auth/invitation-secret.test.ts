import { describe, expect, it } from "vitest";

import { hashInvitationSecret, invitationExpiry, isInvitationSecret, newInvitationSecret } from "./invitation-secret";

describe("invitation secrets", () => {
  it("are random, recognizable and hashed with SHA-256", () => {
    const a = newInvitationSecret();
    const b = newInvitationSecret();
    expect(a).not.toBe(b);
    expect(isInvitationSecret(a)).toBe(true);
    expect(hashInvitationSecret(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashInvitationSecret(a)).not.toBe(hashInvitationSecret(b));
    expect(hashInvitationSecret(a)).not.toContain(a.slice(4));
  });

  it("refuse truncated or foreign values", () => {
    const secret = newInvitationSecret();
    expect(isInvitationSecret(secret.slice(0, -1))).toBe(false);
    expect(isInvitationSecret(`${secret}x`)).toBe(false);
    expect(isInvitationSecret(secret.replace("kwi_", "kw_"))).toBe(false);
    expect(isInvitationSecret("../../etc/passwd")).toBe(false);
  });

  it("expire after seven days", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(invitationExpiry(now).toISOString()).toBe("2026-01-08T00:00:00.000Z");
  });
});
