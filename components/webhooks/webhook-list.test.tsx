import { isValidElement, type ReactElement, type ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";

import type { WebhookPageItem } from "@/lib/db/queries/webhooks";

import { EditWebhookForm } from "./webhook-forms";
import { WebhookList } from "./webhook-list";

// The forms are client components: whatever they receive is serialized into the page's payload.
vi.mock("./webhook-forms", () => ({ EditWebhookForm: () => null, WebhookButtons: () => null }));

const webhook: WebhookPageItem = {
  id: "hook-1",
  name: "Pager",
  description: null,
  url: "https://hooks.example.com/k",
  events: ["token.revoked"],
  headers: { Authorization: "Bearer receiver-credential-0042" },
  filters: null,
  consecutiveFailures: 0,
  pausedAt: null,
  pauseReason: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  waiting: 0,
  attempts: [],
};

function elementsOfType(node: ReactNode, type: unknown): ReactElement<Record<string, unknown>>[] {
  if (Array.isArray(node)) return node.flatMap((child: ReactNode) => elementsOfType(child, type));
  if (!isValidElement<{ children?: ReactNode }>(node)) return [];
  const own = node.type === type ? [node as ReactElement<Record<string, unknown>>] : [];
  return [...own, ...elementsOfType(node.props.children, type)];
}

describe("WebhookList", () => {
  it("gives the client-side edit form the fields it edits, not the header values", () => {
    const forms = elementsOfType(WebhookList({ orgSlug: "acme", webhooks: [webhook] }), EditWebhookForm);
    expect(forms).toHaveLength(1);
    expect(forms[0]!.props.webhook).toEqual({
      id: "hook-1",
      name: "Pager",
      url: "https://hooks.example.com/k",
      description: null,
      events: ["token.revoked"],
    });
    expect(JSON.stringify(forms[0]!.props)).not.toContain("receiver-credential-0042");
  });
});
