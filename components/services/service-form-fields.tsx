"use client";

import { Field, FieldErrors } from "@/components/ui/field";
import type { ServiceDefinition } from "@/lib/db/service-mutations";

/** What the form shows first: empty for a new service, the current definition when editing. */
export type ServiceFormDefaults = ServiceDefinition;

export const NEW_SERVICE_DEFAULTS: ServiceFormDefaults = {
  name: "",
  upstreamUrl: "",
  scopes: [],
  routes: [],
  defaultScope: null,
  defaultCost: 1,
};

/** The one-per-line text the server parses (lib/validations/service.ts), written back from a saved definition. */
export const scopeLines = (scopes: ServiceFormDefaults["scopes"]) =>
  scopes.map((scope) => (scope.description ? `${scope.name} ${scope.description}` : scope.name)).join("\n");
export const routeLines = (routes: ServiceFormDefaults["routes"]) =>
  routes.map((route) => `${route.method} ${route.pathPattern} ${route.scope} ${route.cost}`).join("\n");

/** Errors of list fields ("scopes.2.name") gathered under the field, each naming its line. */
function listErrors(errors: Record<string, string[]> | undefined, field: string): string[] | undefined {
  if (!errors) return undefined;
  const found = Object.entries(errors)
    .filter(([key]) => key === field || key.startsWith(`${field}.`))
    .flatMap(([key, messages]) => {
      const line = /^\w+\.(\d+)/.exec(key)?.[1];
      return messages.map((message) => (line === undefined ? message : `Line ${Number(line) + 1}: ${message}`));
    });
  return found.length > 0 ? found : undefined;
}

function TextArea({
  id,
  name,
  label,
  hint,
  rows,
  errors,
  placeholder,
  defaultValue,
}: {
  id: string;
  name: string;
  label: string;
  hint: string;
  rows: number;
  errors?: string[];
  placeholder: string;
  defaultValue: string;
}) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        rows={rows}
        placeholder={placeholder}
        defaultValue={defaultValue}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={errors?.length ? `${id}-hint ${id}-error` : `${id}-hint`}
        className="w-full rounded-md border border-slate-300 px-3 py-1.5 font-mono text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 aria-invalid:border-red-500"
      />
      <p id={`${id}-hint`} className="text-xs text-slate-500">
        {hint}
      </p>
      <FieldErrors id={`${id}-error`} errors={errors} />
    </div>
  );
}

/**
 * A service's definition, shared by the register form and the edit dialog. The slug is asked only
 * on registration (tokens name the service's scopes by it, so it never changes); `idPrefix` keeps
 * the ids of an open edit dialog apart from the register form's on the same page.
 */
export function ServiceFormFields({
  defaults,
  errors,
  idPrefix,
  slug,
}: {
  defaults: ServiceFormDefaults;
  errors?: Record<string, string[]>;
  idPrefix: string;
  /** Editing: the fixed slug, shown; registering: undefined, asked for. */
  slug?: string;
}) {
  const id = (name: string) => `${idPrefix}-${name}`;
  return (
    <div className="space-y-4">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          id={id("name")}
          label="Name"
          name="name"
          required
          defaultValue={defaults.name}
          errors={errors?.name}
          hint="e.g. Billing API"
        />
        {slug === undefined ? (
          <Field
            id={id("slug")}
            label="Slug"
            name="slug"
            required
            autoCapitalize="off"
            errors={errors?.slug}
            hint="Tokens name its scopes as slug/scope; the gateway serves it at /gw/slug/. Fixed once registered."
          />
        ) : (
          <div className="flex flex-col gap-1">
            <span className="text-sm font-medium text-slate-700">Slug</span>
            <code className="py-1.5 font-mono text-sm">{slug}</code>
            <p className="text-xs text-slate-500">Fixed: tokens name its scopes as {slug}/scope. To change it, register a new service.</p>
          </div>
        )}
      </div>
      <Field
        id={id("upstreamUrl")}
        label="Upstream URL"
        name="upstreamUrl"
        type="url"
        required
        defaultValue={defaults.upstreamUrl}
        errors={errors?.upstreamUrl}
        hint="Where the gateway forwards calls, e.g. https://billing.internal/api"
      />
      <TextArea
        id={id("scopes")}
        name="scopes"
        label="Scopes"
        rows={4}
        defaultValue={scopeLines(defaults.scopes)}
        placeholder={"invoices:read Read invoices\ninvoices:write Create and change invoices"}
        hint='One per line: the name, then an optional description. "invoices:read" adds its parent "invoices", which grants all its children.'
        errors={listErrors(errors, "scopes")}
      />
      <TextArea
        id={id("routes")}
        name="routes"
        label="Routes (optional, for the gateway)"
        rows={3}
        defaultValue={routeLines(defaults.routes)}
        placeholder={"GET /invoices/:id invoices:read 1\nPOST /invoices invoices:write 5"}
        hint="One per line: method (or *), path pattern (:param, a final *), scope, cost. The most specific route wins."
        errors={listErrors(errors, "routes")}
      />
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          id={id("defaultScope")}
          label="Default scope (optional)"
          name="defaultScope"
          defaultValue={defaults.defaultScope ?? ""}
          errors={errors?.defaultScope}
          hint="For gateway calls no route matches; empty refuses them."
        />
        <Field
          id={id("defaultCost")}
          label="Default cost"
          name="defaultCost"
          type="number"
          min={0}
          defaultValue={defaults.defaultCost}
          errors={errors?.defaultCost}
        />
      </div>
    </div>
  );
}
