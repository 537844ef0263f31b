import Link from "next/link";

import { RelativeTime } from "@/components/format/relative-time";
import { Badge } from "@/components/ui/badge";
import type { WebhookPageItem } from "@/lib/db/queries/webhooks";

import { EditWebhookForm, WebhookButtons } from "./webhook-forms";

/** The admins' banner: webhooks Keyward paused after repeated failures. */
export function PausedWebhooksBanner({ orgSlug, paused }: { orgSlug: string; paused: { id: string; name: string }[] }) {
  if (paused.length === 0) return null;
  return (
    <p
      className="mb-6 rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800"
      role="alert"
      data-testid="webhook-paused-banner"
    >
      {paused.length === 1 ? `Webhook "${paused[0]!.name}" was` : `${paused.length} webhooks were`} paused after repeated failed deliveries.{" "}
      <Link href={`/${orgSlug}/webhooks`} className="font-medium underline">
        Check the receiver, then resume
      </Link>
    </p>
  );
}

export function WebhookList({ orgSlug, webhooks }: { orgSlug: string; webhooks: WebhookPageItem[] }) {
  if (webhooks.length === 0) return <p className="text-sm text-slate-600">No webhooks yet.</p>;
  return (
    <ul className="space-y-6">
      {webhooks.map((webhook) => (
        <li
          key={webhook.id}
          className="rounded-lg border border-slate-200 p-4"
          aria-label={`Webhook ${webhook.name}`}
          data-testid="webhook"
        >
          <div className="flex flex-wrap items-start justify-between gap-4">
            <div className="space-y-1">
              <h2 className="flex items-center gap-2 font-semibold">
                {webhook.name}
                {webhook.pausedAt ? (
                  <Badge tone="red" title={webhook.pauseReason ?? undefined}>
                    Paused
                  </Badge>
                ) : (
                  <Badge tone="green">Active</Badge>
                )}
              </h2>
              <p className="break-all font-mono text-xs text-slate-700">{webhook.url}</p>
              {webhook.pauseReason && <p className="text-sm text-red-700">{webhook.pauseReason}</p>}
              <p className="text-xs text-slate-600">
                {webhook.events.join(", ")} · {webhook.waiting} waiting
              </p>
            </div>
            <WebhookButtons orgSlug={orgSlug} webhook={{ id: webhook.id, name: webhook.name, paused: webhook.pausedAt !== null }} />
          </div>
          <details className="mt-3">
            <summary className="cursor-pointer text-sm font-medium text-indigo-700">Edit</summary>
            <div className="mt-3">
              {/* Only the fields the form edits: the whole item would put header values (credentials) in the page's payload. */}
              <EditWebhookForm
                orgSlug={orgSlug}
                webhook={{ id: webhook.id, name: webhook.name, url: webhook.url, description: webhook.description, events: webhook.events }}
              />
            </div>
          </details>
          <h3 className="mt-4 text-sm font-medium">Recent deliveries</h3>
          {webhook.attempts.length === 0 ? (
            <p className="text-sm text-slate-600">Nothing sent yet.</p>
          ) : (
            <table className="mt-2 w-full text-left text-sm" aria-label={`Deliveries of ${webhook.name}`}>
              <thead className="text-xs text-slate-500">
                <tr>
                  <th className="py-1 pr-3 font-medium">When</th>
                  <th className="py-1 pr-3 font-medium">Event</th>
                  <th className="py-1 pr-3 font-medium">Attempt</th>
                  <th className="py-1 pr-3 font-medium">Result</th>
                  <th className="py-1 pr-3 font-medium">Time</th>
                  <th className="py-1 font-medium">Delivery</th>
                </tr>
              </thead>
              <tbody>
                {webhook.attempts.map((attempt) => (
                  <tr key={attempt.id} className="border-t border-slate-100" data-testid="webhook-attempt">
                    <td className="py-1 pr-3">
                      <RelativeTime date={attempt.at} />
                    </td>
                    <td className="py-1 pr-3 font-mono text-xs">{attempt.eventType}</td>
                    <td className="py-1 pr-3">{attempt.attempt}</td>
                    <td className="py-1 pr-3">
                      {attempt.statusCode !== null ? (
                        <Badge tone={attempt.statusCode >= 200 && attempt.statusCode < 300 ? "green" : "red"}>
                          HTTP {attempt.statusCode}
                        </Badge>
                      ) : (
                        <Badge tone="red" title={attempt.error ?? undefined}>
                          {attempt.error ?? "No response"}
                        </Badge>
                      )}
                    </td>
                    <td className="py-1 pr-3">{attempt.durationMs} ms</td>
                    <td className="py-1 text-xs">{attempt.deliveryStatus.toLowerCase()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </li>
      ))}
    </ul>
  );
}
