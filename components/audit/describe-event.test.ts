import { describe, expect, it } from "vitest";

import { ACTION_LABELS, actionLabel, describeDetails, describeEvent, type DescribableEvent } from "./describe-event";

describe("audit event descriptions", () => {
  it("shows before and after of each changed field", () => {
    expect(
      describeDetails("token.updated", {
        changes: {
          scopes: { before: ["report:read"], after: ["report"] },
          visibility: { before: "ADMIN_ONLY", after: "ORGANIZATION" },
          expiresAt: { before: null, after: "2030-01-31T23:59:59.999Z" },
          quotaMax: { before: 1000, after: 50000 },
        },
      }),
    ).toEqual([
      "scopes: report:read → report",
      "visibility: admin only → organization members",
      "expiry: none → 2030-01-31 23:59 UTC",
      "quota: 1,000 → 50,000",
    ]);
  });

  it("names a token's committers by email or login, never as [object Object]", () => {
    expect(
      describeDetails("token.updated", {
        changes: { committers: { before: [], after: [{ email: "bot@example.test", provider: "github" }, { providerLoginName: "ci" }] } },
      }),
    ).toEqual(["committers: none → bot@example.test (github), ci"]);
    expect(describeDetails("token.created", { scopes: [], committers: [{ email: "a@example.test" }] })).toContain(
      "committers: a@example.test",
    );
  });

  it("says which networks a token may be used from, and that none listed means any address", () => {
    expect(
      describeDetails("token.updated", { changes: { allowedNetworks: { before: [], after: ["203.0.113.0/24", "2001:db8::/32"] } } }),
    ).toEqual(["allowed networks: any address → 203.0.113.0/24 2001:db8::/32"]);
    expect(describeDetails("token.updated", { changes: { allowedNetworks: { before: ["10.0.0.0/8"], after: [] } } })).toEqual([
      "allowed networks: 10.0.0.0/8 → any address",
    ]);
    expect(describeDetails("token.created", { scopes: [], allowedNetworks: ["10.0.0.0/8"] })).toEqual([
      "scopes: no scopes",
      "allowed networks: 10.0.0.0/8",
    ]);
  });

  it("names service scopes on tokens, and what a service change took off tokens", () => {
    expect(describeDetails("token.updated", { changes: { serviceScopes: { before: ["billing/invoices"], after: [] } } })).toEqual([
      "service scopes: billing/invoices → no scopes",
    ]);
    expect(describeDetails("service.deleted", { slug: "billing", tokensChanged: 2 })).toEqual([
      "slug: billing",
      "scopes taken off 2 token(s)",
    ]);
    expect(actionLabel("service.key_rotated")).toBe("Service key rotated");
    expect(describeDetails("service.key_leak_reported", { handling: "key-revoked", url: "https://github.com/x/y/blob/a/.env" })).toEqual([
      "handled: key-revoked",
      "found at https://github.com/x/y/blob/a/.env",
    ]);
  });

  it("describes rotation grace and reveals", () => {
    expect(describeDetails("token.rotated", { graceSeconds: 0 })).toEqual(["old value stopped at once"]);
    expect(describeDetails("token.rotated", { graceSeconds: 86_400 })).toEqual(["old value kept working for 24 hours"]);
    expect(describeDetails("token.revealed", { lastFour: "AbC1" })).toEqual(["value ending …AbC1"]);
  });

  it("names a rotation's new value by last four and hash prefix, and its bulk operation", () => {
    expect(
      describeDetails("token.rotated", {
        graceSeconds: 3600,
        lastFour: { before: "AAAA", after: "BbB2" },
        newValue: { id: "v", hashPrefix: "0123456789ab" },
        incidentId: "8f1e2d3c-0000-4000-8000-000000000000",
      }),
    ).toEqual(["bulk operation 8f1e2d3c", "old value kept working for 1 hour", "new value …BbB2 (sha256 0123456789ab…)"]);
    expect(actionLabel("token.leak_reported")).toBe("Token reported leaked");
  });

  it("falls back to the raw action name for actions it does not know", () => {
    expect(actionLabel("token.rotated")).toBe("Token rotated");
    expect(actionLabel("widget.frobbed")).toBe("widget.frobbed");
    expect(describeDetails("member.removed", {})).toEqual([]);
  });
});

describe("audit events as sentences", () => {
  const ada = { actorLabel: "ada@acme.test", actorKind: "user" as const, targetType: null, targetName: null };
  const said = (event: Partial<DescribableEvent> & { action: string; metadata?: Record<string, unknown> }) =>
    describeEvent({ ...ada, metadata: {}, ...event });

  it("says who did what to whom, in English", () => {
    expect(said({ action: "member.invited", metadata: { email: "bob@acme.test", role: "MEMBER" } })).toBe(
      "ada@acme.test invited bob@acme.test as member",
    );
    expect(said({ action: "member.role_changed", metadata: { email: "bob@acme.test", before: "MEMBER", after: "ADMIN" } })).toBe(
      "ada@acme.test changed bob@acme.test's role from member to admin",
    );
    expect(
      said({
        action: "member.joined",
        actorLabel: "bob@acme.test",
        metadata: { email: "bob@acme.test", role: "MEMBER", via: "github_org", githubOrg: "acme-gh" },
      }),
    ).toBe("bob@acme.test joined as member (member of GitHub organization acme-gh)");
    expect(said({ action: "token.revealed", targetType: "token", targetName: "CI pipeline" })).toBe(
      "ada@acme.test revealed the value of token “CI pipeline”",
    );
    expect(
      said({
        action: "token.action_refused",
        actorKind: "token",
        actorLabel: "automation",
        targetType: "token",
        targetName: "Deploy",
        metadata: { message: "It may not grant repo." },
      }),
    ).toBe("API token “automation” was refused an action on token “Deploy”: It may not grant repo.");
    expect(actionLabel("service.key_lookup")).toBe("Service key looked up");
    expect(said({ action: "service.key_lookup", targetType: "service", metadata: { found: true, slug: "billing", name: "Billing" } })).toBe(
      "ada@acme.test looked up the verification key of service “Billing”",
    );
    expect(said({ action: "service.key_lookup", metadata: { found: false, lastFour: "Zz9A" } })).toBe(
      "ada@acme.test looked up a verification key ending …Zz9A: no service of this organization",
    );
    expect(said({ action: "incident.created", metadata: { action: "ROTATE", total: 3 } })).toBe(
      "ada@acme.test started a bulk rotation of 3 tokens",
    );
    expect(said({ action: "incident.completed", actorKind: "system", metadata: { action: "DISABLE", done: 2, skipped: 1 } })).toBe(
      "Bulk disabling finished: 2 done, 1 skipped",
    );
    expect(said({ action: "token.revoked", targetType: "token" })).toBe("ada@acme.test revoked a deleted token");
  });

  it.each(Object.keys(ACTION_LABELS))("tells %s as a sentence, never the raw action name", (action) => {
    const sentence = said({
      action,
      targetType: "token",
      targetName: "CI",
      metadata: { email: "bob@acme.test", role: "MEMBER", total: 1, done: 1, skipped: 0 },
    });
    expect(sentence).not.toContain(action);
    expect(sentence).not.toContain(`: ${actionLabel(action)}`);
  });
});

describe("every action the code records", () => {
  it("has a label and a sentence (a new audit action cannot ship as a raw name)", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "generated" ? [] : sources(path);
        return /\.tsx?$/.test(entry.name) && !entry.name.includes(".test.") ? [path] : [];
      });
    const recorded = new Set<string>();
    for (const file of sources(join(process.cwd(), "lib"))) {
      const code = readFileSync(file, "utf8");
      // Lines with `action: "member.invited"` (recordAudit) or `audit(actor, orgId, enabled ? "token.enabled" : "token.disabled", …)`.
      for (const line of code.split("\n").filter((l) => /audit\(|action:/.test(l))) {
        for (const match of line.matchAll(/"([a-z][a-z_-]*\.[a-z_]+)"/g)) recorded.add(match[1]!);
      }
    }
    expect(recorded.size).toBeGreaterThan(15);
    expect([...recorded].filter((action) => !(action in ACTION_LABELS))).toEqual([]);
  });

  it("tells an export of the log: format and filters", () => {
    const event = { actorLabel: "ada@acme.test", actorKind: "user" as const, action: "audit.exported", targetType: null, targetName: null };
    expect(describeEvent({ ...event, metadata: { format: "csv", filters: {} } })).toBe("ada@acme.test exported the audit log as CSV");
    expect(describeDetails("audit.exported", { format: "csv", filters: {} })).toEqual(["every event"]);
    expect(describeDetails("audit.exported", { format: "json", filters: { action: "token.revealed", from: "2026-01-01" } })).toEqual([
      "filters: action token.revealed, from 2026-01-01",
    ]);
  });

  it("tells webhook events: who changed which webhook, and Keyward's automatic pause with its last error", () => {
    const base = { actorLabel: "ada@acme.test", actorKind: "user" as const, targetType: "webhook", targetName: null };
    expect(describeEvent({ ...base, action: "webhook.created", metadata: { name: "Pager", url: "https://hooks.example.com/k" } })).toBe(
      "ada@acme.test created webhook “Pager”",
    );
    expect(describeEvent({ ...base, action: "webhook.paused", metadata: {} })).toBe("ada@acme.test paused a webhook");
    const auto = { ...base, actorLabel: "Keyward webhooks", actorKind: "system" as const, action: "webhook.auto_paused" };
    expect(describeEvent({ ...auto, metadata: { name: "Pager", consecutiveFailures: 10, lastError: "HTTP 500" } })).toBe(
      "Keyward paused webhook “Pager” after 10 failed deliveries in a row",
    );
    expect(describeDetails("webhook.auto_paused", { lastError: "HTTP 500" })).toEqual(["last error: HTTP 500"]);
  });
});
