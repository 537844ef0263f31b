"use client";

import { useState, type FormEvent } from "react";

import { useFormAction } from "@/components/tokens/use-form-action";
import { Button } from "@/components/ui/button";
import { Dialog, DialogActions } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/field";
import { updateServiceAction } from "@/lib/actions/services";
import type { ServiceListItem } from "@/lib/db/queries/services";
import { removedServiceScopes } from "@/lib/domain/services/scopes";

import { ServiceFormFields } from "./service-form-fields";

/** The scope names typed in the form, one per line, as the server reads them (the first word). */
function typedScopes(form: HTMLFormElement): { name: string }[] {
  const text = new FormData(form).get("scopes");
  return typeof text === "string"
    ? text
        .split(/\r?\n/)
        .map((line) => line.trim().split(/\s+/)[0] ?? "")
        .filter((name) => name !== "")
        .map((name) => ({ name }))
    : [];
}

/**
 * Changes a registered service's name, upstream, scopes, routes and default. Removing scopes
 * takes them off every token (the server does that in the same transaction as the save), so the
 * dialog names them and asks first; the slug never changes.
 */
export function EditServiceDialog({
  orgSlug,
  service,
  onClose,
  onDone,
}: {
  orgSlug: string;
  service: ServiceListItem;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const { state, pending, onSubmit } = useFormAction(updateServiceAction, (result) => onDone(result.message ?? "Saved."));
  const [removing, setRemoving] = useState<string[]>([]);

  function submit(event: FormEvent<HTMLFormElement>) {
    // The confirming button has no name, so it adds no field the action would refuse as unknown.
    const confirmed = (event.nativeEvent as SubmitEvent).submitter?.hasAttribute("data-confirms-removal") ?? false;
    const removed = removedServiceScopes(
      service.scopes.map((scope) => scope.name),
      typedScopes(event.currentTarget),
    );
    setRemoving(removed);
    if (removed.length > 0 && !confirmed) {
      event.preventDefault();
      return;
    }
    onSubmit(event);
  }

  return (
    <Dialog title={`Edit ${service.name}`} description={<span className="font-mono">{service.slug}</span>} onClose={onClose} wide>
      <form onSubmit={submit} noValidate className="space-y-4" aria-label={`Edit ${service.name}`}>
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <input type="hidden" name="serviceId" value={service.id} />
        <input type="hidden" name="expectedVersion" value={service.version} />
        <ServiceFormFields defaults={service} errors={state?.errors} idPrefix="edit-service" slug={service.slug} />
        {removing.length > 0 && (
          <div
            role="alert"
            className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900"
            data-testid="removing-scopes"
          >
            <p>
              Removing {removing.length === 1 ? "a scope" : `${removing.length} scopes`} (
              {removing.map((name, index) => (
                <span key={name}>
                  {index > 0 && ", "}
                  <code className="font-mono">{name}</code>
                </span>
              ))}
              ) takes {removing.length === 1 ? "it" : "them"} off every token that holds {removing.length === 1 ? "it" : "them"} (
              {service.tokenCount === 1 ? "1 token holds" : `${service.tokenCount} tokens hold`} this service&apos;s scopes). Adding a scope
              back later does not return it to those tokens.
            </p>
          </div>
        )}
        <FormError state={state} />
        {/* Enter submits the plain save, which asks before removing scopes. */}
        <DialogActions submitLabel="Save changes" pendingLabel="Saving…" pending={pending} onCancel={onClose}>
          {removing.length > 0 && (
            <Button type="submit" data-confirms-removal variant="danger" disabled={pending}>
              Remove scopes and save
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}
