import { afterEach, describe, expect, it } from "vitest";

import { composeWebhookPauseMail, webhooksPageLink } from "./webhook-pause-mail";

const saved = process.env.KEYWARD_PUBLIC_URL;
afterEach(() => {
  if (saved === undefined) delete process.env.KEYWARD_PUBLIC_URL;
  else process.env.KEYWARD_PUBLIC_URL = saved;
});

const mail = {
  to: "admin@example.test",
  orgName: "Acme",
  orgSlug: "acme",
  webhookName: `<script>alert("x")</script>`,
  webhookUrl: "https://hooks.example.test:8443/T0/B0/receiver-secret?sig=abc",
  consecutiveFailures: 10,
  lastError: "HTTP 502",
};

describe("the webhook pause mail", () => {
  it("names the host only, never the URL's path or query", () => {
    const { subject, text, html } = composeWebhookPauseMail(mail);
    for (const part of [subject, text, html]) {
      expect(part).not.toContain("receiver-secret");
      expect(part).not.toContain("sig=abc");
    }
    expect(text).toContain("hooks.example.test:8443");
    expect(text).toContain("HTTP 502");
  });

  it("escapes the webhook's name in HTML", () => {
    expect(composeWebhookPauseMail(mail).html).not.toContain("<script>");
  });

  it("links to the org's Webhooks page at KEYWARD_PUBLIC_URL", () => {
    process.env.KEYWARD_PUBLIC_URL = "https://keyward.example.com/";
    expect(webhooksPageLink("acme")).toBe("https://keyward.example.com/acme/webhooks");
  });
});
