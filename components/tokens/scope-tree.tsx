"use client";

import { useState } from "react";

import { FieldErrors } from "@/components/ui/field";
import { SCOPE_TREE, type Scope, type ScopeDefinition } from "@/lib/tokens";

/**
 * The scopes as a tree of checkboxes. A parent grants all its children, so checking it checks
 * and locks them; only the parent is submitted (locked children are disabled inputs).
 */
export function ScopeTree({ defaultScopes, errors }: { defaultScopes: readonly Scope[]; errors?: string[] }) {
  const [selected, setSelected] = useState<ReadonlySet<Scope>>(() => new Set(defaultScopes));
  const toggle = (scope: Scope, checked: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (checked) next.add(scope);
      else next.delete(scope);
      return next;
    });
  return (
    <fieldset aria-describedby={errors?.length ? "scopes-error" : undefined}>
      <legend className="text-sm font-medium text-slate-700">Scopes</legend>
      <p className="mb-2 text-xs text-slate-500">What the token may do through the API. A parent scope grants all of its children.</p>
      {/* Present even when nothing is checked, so unchecking every box means "no scopes". */}
      <input type="hidden" name="scopes" value="" />
      <ul className="space-y-2 rounded-md border border-slate-200 p-3">
        {SCOPE_TREE.map((root) => {
          const rootChecked = selected.has(root.name);
          return (
            <li key={root.name}>
              <ScopeCheckbox scope={root} checked={rootChecked} onChange={(c) => toggle(root.name, c)} />
              {root.children.length > 0 && (
                <ul className="ml-6 mt-1 space-y-1 border-l border-slate-100 pl-3">
                  {root.children.map((child) => (
                    <li key={child.name}>
                      <ScopeCheckbox
                        scope={child}
                        checked={rootChecked || selected.has(child.name)}
                        lockedBy={rootChecked ? root.name : undefined}
                        onChange={(c) => toggle(child.name, c)}
                      />
                    </li>
                  ))}
                </ul>
              )}
            </li>
          );
        })}
      </ul>
      <FieldErrors id="scopes-error" errors={errors} />
    </fieldset>
  );
}

function ScopeCheckbox({
  scope,
  checked,
  lockedBy,
  onChange,
}: {
  scope: ScopeDefinition;
  checked: boolean;
  lockedBy?: Scope;
  onChange: (checked: boolean) => void;
}) {
  const id = `scope-${scope.name.replace(":", "-")}`;
  return (
    <div className="flex items-start gap-2">
      <input
        id={id}
        type="checkbox"
        name="scopes"
        value={scope.name}
        checked={checked}
        disabled={lockedBy !== undefined}
        onChange={(e) => onChange(e.target.checked)}
        aria-describedby={`${id}-description`}
        className="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-500 disabled:opacity-60"
      />
      <label htmlFor={id} className="text-sm">
        <span className="font-mono font-medium">{scope.name}</span>
        <span id={`${id}-description`} className="block text-xs text-slate-500">
          {scope.description}
          {lockedBy && ` (included in ${lockedBy})`}
        </span>
      </label>
    </div>
  );
}
