"use client";

import { useState } from "react";

import { useServiceCatalog } from "@/components/services/service-catalog";
import { FieldErrors } from "@/components/ui/field";
import type { ServiceScopeDefinition } from "@/lib/domain/services/scopes";
import { treeGrants } from "@/lib/tokens/scope-tree";

/**
 * The org's services' scopes, grouped by service, as checkboxes beside Keyward's scopes. A
 * checked parent grants its children (the same rule as Keyward's), so it checks and locks them.
 * Submitted as "<slug>/<scope>".
 */
export function ServiceScopeTree({ defaultScopes, errors }: { defaultScopes: readonly string[]; errors?: string[] }) {
  const catalog = useServiceCatalog();
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set(defaultScopes));
  // Without services there is nothing to choose, and nothing is sent: an edit keeps what the token holds.
  if (catalog.length === 0) return null;
  const toggle = (ref: string, checked: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (checked) next.add(ref);
      else next.delete(ref);
      return next;
    });
  const granted = [...selected];
  return (
    <fieldset aria-describedby={errors?.length ? "serviceScopes-error" : undefined}>
      <legend className="text-sm font-medium text-slate-700">Service scopes</legend>
      <p className="mb-2 text-xs text-slate-500">What the token may do on your own services (verified through Keyward).</p>
      <input type="hidden" name="serviceScopes" value="" />
      <ul className="space-y-3 rounded-md border border-slate-200 p-3">
        {catalog.map((service) => (
          <li key={service.slug} role="group" aria-label={`Scopes of ${service.name}`}>
            <p className="text-sm font-medium">
              {service.name} <span className="font-mono text-xs text-slate-500">{service.slug}</span>
              {service.disabled && <span className="ml-2 text-xs text-amber-700">(disabled)</span>}
            </p>
            <ul className="mt-1 space-y-1">
              {service.scopes.map((scope) => {
                const ref = `${service.slug}/${scope.name}`;
                const lockedBy = ancestorHeld(granted, service.slug, scope);
                return (
                  <li key={ref} style={{ marginLeft: `${depthOf(scope.name) * 1.25}rem` }}>
                    <ServiceScopeCheckbox
                      refName={ref}
                      scope={scope}
                      checked={lockedBy !== null || selected.has(ref)}
                      lockedBy={lockedBy}
                      onChange={(checked) => toggle(ref, checked)}
                    />
                  </li>
                );
              })}
            </ul>
          </li>
        ))}
      </ul>
      <FieldErrors id="serviceScopes-error" errors={errors} />
    </fieldset>
  );
}

const depthOf = (name: string) => name.split(":").length - 1;

/** The held ancestor that already grants this scope, if any. */
function ancestorHeld(granted: readonly string[], slug: string, scope: ServiceScopeDefinition): string | null {
  if (scope.parent === null) return null;
  return treeGrants(granted, `${slug}/${scope.parent}`) ? `${slug}/${scope.parent}` : null;
}

function ServiceScopeCheckbox({
  refName,
  scope,
  checked,
  lockedBy,
  onChange,
}: {
  refName: string;
  scope: ServiceScopeDefinition;
  checked: boolean;
  lockedBy: string | null;
  onChange: (checked: boolean) => void;
}) {
  const id = `service-scope-${refName.replace(/[/:]/g, "-")}`;
  return (
    <div className="flex items-start gap-2">
      <input
        id={id}
        type="checkbox"
        name="serviceScopes"
        value={refName}
        checked={checked}
        disabled={lockedBy !== null}
        onChange={(e) => onChange(e.target.checked)}
        className="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500 disabled:opacity-60"
      />
      <label htmlFor={id} className="text-sm">
        <span className="font-mono font-medium">{refName}</span>
        {(scope.description || lockedBy) && (
          <span className="block text-xs text-slate-500">
            {scope.description}
            {lockedBy && ` (included in ${lockedBy})`}
          </span>
        )}
      </label>
    </div>
  );
}
