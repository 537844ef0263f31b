"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { ActionButton } from "@/components/incidents/incident-buttons";
import { useFormAction } from "@/components/tokens/use-form-action";
import { Button } from "@/components/ui/button";
import { Field, FieldErrors, FormMessage } from "@/components/ui/field";
import { ShownOnceSecret } from "@/components/ui/secret-value";
import {
  createWebhookAction,
  deleteWebhookAction,
  sendTestWebhookAction,
  setWebhookPausedAction,
  updateWebhookAction,
} from "@/lib/actions/webhooks";
import { WEBHOOK_EVENTS, type WebhookEventType } from "@/lib/domain/webhooks/events";

type WebhookFields = { id: string; name: string; url: string; description: string | null; events: WebhookEventType[] };

function EventCheckboxes({ chosen, errors, idPrefix }: { chosen: readonly string[]; errors?: string[]; idPrefix: string }) {
  return (
    <fieldset aria-describedby={`${idPrefix}-events-error`} className="space-y-1">
      <legend className="text-sm font-medium text-slate-700">Events</legend>
      <div className="grid gap-1 sm:grid-cols-2">
        {Object.entries(WEBHOOK_EVENTS).map(([type, description]) => (
          <label key={type} className="flex items-start gap-2 text-sm" title={description}>
            <input type="checkbox" name="events" value={type} defaultChecked={chosen.includes(type)} className="mt-1" />
            <span>
              <code>{type}</code>
            </span>
          </label>
        ))}
      </div>
      <FieldErrors id={`${idPrefix}-events-error`} errors={errors} />
    </fieldset>
  );
}

/** New webhook; a generated secret is shown once, here, after creation. */
export function CreateWebhookForm({ orgSlug }: { orgSlug: string }) {
  const router = useRouter();
  const [shownSecret, setShownSecret] = useState<string | null>(null);
  const { state, pending, onSubmit } = useFormAction(createWebhookAction, (result) => {
    setShownSecret(result.data?.secret ?? null);
    router.refresh();
  });
  return (
    <form onSubmit={onSubmit} className="space-y-4 rounded-lg border border-slate-200 p-4" aria-label="New webhook">
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Name" name="name" required maxLength={200} errors={state?.errors?.name} />
        <Field label="URL" name="url" type="url" required placeholder="https://example.com/hooks/keyward" errors={state?.errors?.url} />
        <Field
          label="Signing secret"
          name="secret"
          type="password"
          autoComplete="off"
          placeholder="Leave empty to generate one"
          errors={state?.errors?.secret}
          hint="At least 16 characters. Stored encrypted; never shown again."
        />
        <Field label="Description" name="description" maxLength={1000} errors={state?.errors?.description} />
      </div>
      <EventCheckboxes chosen={["token.revoked", "token.quota_exhausted"]} errors={state?.errors?.events} idPrefix="new" />
      <div className="flex items-center justify-end gap-3">
        <FormMessage message={state?.message} ok={state?.ok} />
        <Button type="submit" disabled={pending}>
          {pending ? "Creating…" : "Create webhook"}
        </Button>
      </div>
      {shownSecret && (
        <ShownOnceSecret label="Generated signing secret" value={shownSecret} testId="webhook-secret">
          Your receiver checks each delivery&apos;s <code className="font-mono">X-Keyward-Signature</code> header with it.
        </ShownOnceSecret>
      )}
    </form>
  );
}

export function EditWebhookForm({ orgSlug, webhook }: { orgSlug: string; webhook: WebhookFields }) {
  const router = useRouter();
  const { state, pending, onSubmit } = useFormAction(updateWebhookAction, () => router.refresh());
  const id = `edit-${webhook.id}`;
  return (
    <form onSubmit={onSubmit} className="space-y-4" aria-label={`Edit ${webhook.name}`}>
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <input type="hidden" name="webhookId" value={webhook.id} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id={`${id}-name`} label="Name" name="name" defaultValue={webhook.name} errors={state?.errors?.name} />
        <Field id={`${id}-url`} label="URL" name="url" type="url" defaultValue={webhook.url} errors={state?.errors?.url} />
        <Field
          id={`${id}-secret`}
          label="New signing secret"
          name="secret"
          type="password"
          autoComplete="off"
          placeholder="Leave empty to keep the current one"
          errors={state?.errors?.secret}
        />
        <Field
          id={`${id}-description`}
          label="Description"
          name="description"
          defaultValue={webhook.description ?? ""}
          errors={state?.errors?.description}
        />
      </div>
      <EventCheckboxes chosen={webhook.events} errors={state?.errors?.events} idPrefix={id} />
      <div className="flex items-center justify-end gap-3">
        <FormMessage message={state?.message} ok={state?.ok} />
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save"}
        </Button>
      </div>
    </form>
  );
}

export function WebhookButtons({ orgSlug, webhook }: { orgSlug: string; webhook: { id: string; name: string; paused: boolean } }) {
  const fields = { orgSlug, webhookId: webhook.id };
  return (
    <div className="flex flex-wrap items-start gap-2">
      <ActionButton action={sendTestWebhookAction} fields={fields} label="Send test event" pendingLabel="Queuing…" />
      <ActionButton
        action={setWebhookPausedAction}
        fields={{ ...fields, paused: String(!webhook.paused) }}
        label={webhook.paused ? "Resume" : "Pause"}
        pendingLabel={webhook.paused ? "Resuming…" : "Pausing…"}
      />
      <ActionButton
        action={deleteWebhookAction}
        fields={fields}
        label="Delete"
        pendingLabel="Deleting…"
        variant="danger"
        confirm={{ title: `Delete ${webhook.name}?`, body: "No more events are sent to it, and its delivery log is deleted." }}
      />
    </div>
  );
}
