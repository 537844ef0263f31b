"use client";

import { useState } from "react";

import { useFormAction } from "@/components/tokens/use-form-action";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { FormError, FormMessage } from "@/components/ui/field";
import { ShownOnceSecret } from "@/components/ui/secret-value";
import {
  createServiceAction,
  deleteServiceAction,
  disableServiceAction,
  enableServiceAction,
  rotateServiceKeyAction,
  type NewServiceKey,
} from "@/lib/actions/services";
import type { ServiceListItem } from "@/lib/db/queries/services";

import { EditServiceDialog } from "./edit-service-dialog";
import { NEW_SERVICE_DEFAULTS, ServiceFormFields } from "./service-form-fields";

/** A verification key right after it was made: the only time it is shown (Keyward keeps its hash). */
function NewKey({ created, onDone }: { created: NewServiceKey; onDone: () => void }) {
  return (
    <ShownOnceSecret label={`Verification key of ${created.name}`} value={created.key} onDone={onDone} testId="new-service-key">
      Keyward keeps only its hash. Your service sends it as <code className="font-mono">Authorization: Bearer kws_…</code> to{" "}
      <code className="font-mono">POST /v1/verify</code>; it can verify tokens for <code className="font-mono">{created.slug}</code> and
      nothing else.
    </ShownOnceSecret>
  );
}

export function RegisterServiceForm({ orgSlug }: { orgSlug: string }) {
  const { state, pending, onSubmit } = useFormAction(createServiceAction);
  // Done hides this answer's key; the form comes back empty (it was unmounted while the key showed).
  const [dismissed, setDismissed] = useState<typeof state>(undefined);
  const created = state?.ok && state !== dismissed ? state.data : undefined;
  if (created) return <NewKey created={created} onDone={() => setDismissed(state)} />;
  const errors = state?.errors;
  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="space-y-4 rounded-lg border border-slate-200 bg-white p-5"
      aria-label="Register a service"
    >
      <h2 className="text-base font-semibold">Register a service</h2>
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <ServiceFormFields defaults={NEW_SERVICE_DEFAULTS} errors={errors} idPrefix="register-service" />
      <FormError state={state} />
      <Button type="submit" disabled={pending}>
        {pending ? "Registering…" : "Register service"}
      </Button>
    </form>
  );
}

type Pending = { kind: "rotate" | "disable" | "enable" | "delete"; service: ServiceListItem } | null;

export function ServicesList({ orgSlug, services }: { orgSlug: string; services: ServiceListItem[] }) {
  const [pending, setPending] = useState<Pending>(null);
  const [editing, setEditing] = useState<ServiceListItem | null>(null);
  const [rotated, setRotated] = useState<NewServiceKey | null>(null);
  const [message, setMessage] = useState<string | undefined>(undefined);
  if (services.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-600">No services yet. Register one below.</p>
    );
  }
  return (
    <div className="space-y-4">
      <FormMessage message={message} ok />
      {rotated && <NewKey created={rotated} onDone={() => setRotated(null)} />}
      <ul className="space-y-4" aria-label="Services">
        {services.map((service) => (
          <li key={service.id} className="rounded-lg border border-slate-200 bg-white p-5" aria-label={service.name}>
            <div className="flex flex-wrap items-start justify-between gap-3">
              <div>
                <h2 className="text-base font-semibold">
                  {service.name} <span className="font-mono text-sm text-slate-500">{service.slug}</span>
                </h2>
                <p className="mt-1 text-sm text-slate-600">
                  <code className="break-all font-mono text-xs">{service.upstreamUrl}</code>
                </p>
              </div>
              <div className="flex flex-wrap items-center gap-2">
                {service.keyLeak && (
                  <Badge tone="red">{service.keyLeak.revoked ? "Key revoked: reported leaked" : "Key reported leaked"}</Badge>
                )}
                {service.disabledAt ? <Badge tone="red">Disabled</Badge> : <Badge tone="green">Active</Badge>}
                <Button type="button" variant="secondary" onClick={() => setEditing(service)}>
                  Edit
                </Button>
                <Button type="button" variant="secondary" onClick={() => setPending({ kind: "rotate", service })}>
                  Rotate key
                </Button>
                <Button
                  type="button"
                  variant="secondary"
                  onClick={() => setPending({ kind: service.disabledAt ? "enable" : "disable", service })}
                >
                  {service.disabledAt ? "Enable" : "Disable"}
                </Button>
                <Button type="button" variant="danger" onClick={() => setPending({ kind: "delete", service })}>
                  Delete
                </Button>
              </div>
            </div>
            {service.keyLeak && (
              <p className="mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800" role="status">
                A secret scanner reported this service&apos;s verification key
                {service.keyLeak.source ? <> at {service.keyLeak.source}</> : null}.{" "}
                {service.keyLeak.revoked
                  ? "The key was revoked under your leak policy: POST /v1/verify refuses it. Rotate the key and give your service the new one."
                  : "Your leak policy only flags it: the key still works. Rotate it to replace it."}
              </p>
            )}
            <dl className="mt-3 grid gap-x-6 gap-y-3 text-sm sm:grid-cols-3">
              <div>
                <dt className="text-xs text-slate-500">Verification key</dt>
                <dd>
                  <code className="font-mono">{service.maskedKey}</code>
                </dd>
              </div>
              <div>
                <dt className="text-xs text-slate-500">Tokens holding its scopes</dt>
                <dd>{service.tokenCount}</dd>
              </div>
              <div>
                <dt className="text-xs text-slate-500">Default (no route matches)</dt>
                <dd>{service.defaultScope ? `${service.defaultScope}, cost ${service.defaultCost}` : "refused"}</dd>
              </div>
              <div className="sm:col-span-3">
                <dt className="text-xs text-slate-500">Scopes</dt>
                <dd>
                  <ul className="mt-1 space-y-0.5" aria-label={`Scopes of ${service.name}`}>
                    {service.scopes.map((scope) => (
                      <li key={scope.name} style={{ marginLeft: `${(scope.name.split(":").length - 1) * 1.25}rem` }}>
                        <code className="font-mono text-xs">{scope.name}</code>
                        {scope.description && <span className="ml-2 text-xs text-slate-500">{scope.description}</span>}
                      </li>
                    ))}
                  </ul>
                </dd>
              </div>
              {service.routes.length > 0 && (
                <div className="sm:col-span-3">
                  <dt className="text-xs text-slate-500">Routes</dt>
                  <dd>
                    <table className="mt-1 text-xs">
                      <tbody>
                        {service.routes.map((route, index) => (
                          <tr key={index}>
                            <td className="pr-3 font-mono">{route.method}</td>
                            <td className="pr-3 font-mono">{route.pathPattern}</td>
                            <td className="pr-3 font-mono">{route.scope}</td>
                            <td>cost {route.cost}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </dd>
                </div>
              )}
            </dl>
          </li>
        ))}
      </ul>
      {editing && (
        <EditServiceDialog
          orgSlug={orgSlug}
          service={editing}
          onClose={() => setEditing(null)}
          onDone={(saved) => {
            setEditing(null);
            setMessage(saved);
          }}
        />
      )}
      {pending && (
        <ServiceConfirm
          orgSlug={orgSlug}
          pending={pending}
          onCancel={() => setPending(null)}
          onDone={(result) => {
            setPending(null);
            setMessage(result.message);
            if (result.key) setRotated(result.key);
          }}
        />
      )}
    </div>
  );
}

const CONFIRM = {
  rotate: {
    action: rotateServiceKeyAction,
    title: "Rotate the verification key?",
    body: "A new key is made and shown once; the current key stops working at once, in every Keyward process. Update your service right after.",
    label: "Rotate key",
    pendingLabel: "Rotating…",
    variant: "primary",
  },
  disable: {
    action: disableServiceAction,
    title: "Disable this service?",
    body: "Every verify and gateway call for it is refused (service_disabled) until you enable it again. Tokens keep their scopes.",
    label: "Disable",
    pendingLabel: "Disabling…",
    variant: "danger",
  },
  enable: {
    action: enableServiceAction,
    title: "Enable this service?",
    body: "Its key verifies tokens again.",
    label: "Enable",
    pendingLabel: "Enabling…",
    variant: "primary",
  },
  delete: {
    action: deleteServiceAction,
    title: "Delete this service?",
    body: "Its key, scopes and routes are deleted, and every token loses its scopes. This cannot be undone.",
    label: "Delete",
    pendingLabel: "Deleting…",
    variant: "danger",
  },
} as const;

function ServiceConfirm({
  orgSlug,
  pending: { kind, service },
  onCancel,
  onDone,
}: {
  orgSlug: string;
  pending: NonNullable<Pending>;
  onCancel: () => void;
  onDone: (result: { message?: string; key?: NewServiceKey }) => void;
}) {
  const spec = CONFIRM[kind];
  const { state, pending, onSubmit } = useFormAction(spec.action as typeof rotateServiceKeyAction, (result) =>
    onDone({ message: result.message, key: result.data }),
  );
  return (
    <ConfirmDialog
      title={spec.title}
      body={
        <>
          <strong>{service.name}</strong>: {spec.body}
        </>
      }
      confirmLabel={spec.label}
      pendingLabel={spec.pendingLabel}
      pending={pending}
      variant={spec.variant}
      form={{ onSubmit }}
      onCancel={onCancel}
    >
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <input type="hidden" name="serviceId" value={service.id} />
      <FormError state={state} />
    </ConfirmDialog>
  );
}
