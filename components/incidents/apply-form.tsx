"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { RelativeTime } from "@/components/format/relative-time";
import { STATUS_BADGES, VISIBILITY_LABELS } from "@/components/tokens/labels";
import { ScopeBadges } from "@/components/tokens/scope-badges";
import { useFormAction } from "@/components/tokens/use-form-action";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field, FieldErrors, FormError } from "@/components/ui/field";
import { SelectField } from "@/components/ui/select-field";
import { createIncidentAction } from "@/lib/actions/incidents";
import type { IncidentCandidate } from "@/lib/db/incidents";
import type { IncidentAction } from "@/lib/validations/incident";

import { ACTION_LABELS, ACTION_OPTIONS } from "./labels";

const GRACE_OPTIONS = [
  { value: "0", label: "None: old values stop at once" },
  { value: "1", label: "1 hour" },
  { value: "4", label: "4 hours" },
  { value: "24", label: "24 hours" },
  { value: "72", label: "3 days" },
  { value: "168", label: "7 days" },
];

/**
 * The preview list and the confirm form of a bulk operation. The filter travels as hidden fields
 * and is evaluated again on the server, which refuses when the count differs from what is shown
 * here; checking rows narrows the operation to those tokens (an explicit selection).
 */
export function ApplyForm({
  orgSlug,
  candidates,
  total,
  filterFields,
}: {
  orgSlug: string;
  /** The first rows of the selection (all of it for all but very large selections). */
  candidates: IncidentCandidate[];
  total: number;
  filterFields: Record<string, string>;
}) {
  const router = useRouter();
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [action, setAction] = useState<IncidentAction>("ROTATE");
  const { state, pending, onSubmit } = useFormAction(createIncidentAction, (result) => {
    const data = result.data as { incidentId: string } | undefined;
    if (data) router.push(`/${orgSlug}/incidents/${data.incidentId}`);
  });
  const onlyChecked = checked.size > 0;
  const count = onlyChecked ? checked.size : total;
  const allShownChecked = candidates.length > 0 && candidates.every((c) => checked.has(c.id));

  function toggle(id: string) {
    setChecked((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-6">
      <input type="hidden" name="orgSlug" value={orgSlug} />
      {Object.entries(filterFields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {[...checked].map((id) => (
        <input key={id} type="hidden" name="tokenIds" value={id} />
      ))}
      <input type="hidden" name="expectedCount" value={count} />

      <section aria-labelledby="selection-heading" className="rounded-lg border border-slate-200 bg-white">
        <div className="flex flex-wrap items-baseline justify-between gap-2 border-b border-slate-200 px-4 py-3">
          <h2 id="selection-heading" className="font-medium">
            <span data-testid="match-count">{total}</span> matching token{total === 1 ? "" : "s"}
          </h2>
          <p className="text-sm text-slate-600" aria-live="polite">
            {onlyChecked
              ? `Only the ${checked.size} checked token${checked.size === 1 ? "" : "s"} will be changed.`
              : "Check tokens to act on only those; with none checked, every matching token is changed."}
          </p>
        </div>
        <div className="max-h-[28rem] overflow-auto">
          <table className="w-full text-left text-sm">
            <thead className="sticky top-0 bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="w-10 px-4 py-2">
                  <input
                    type="checkbox"
                    aria-label="Check every listed token"
                    checked={allShownChecked}
                    onChange={() => setChecked(allShownChecked ? new Set() : new Set(candidates.map((c) => c.id)))}
                  />
                </th>
                <th className="px-2 py-2">Token</th>
                <th className="px-2 py-2">Scopes</th>
                <th className="px-2 py-2">Visibility</th>
                <th className="px-2 py-2">Status</th>
                <th className="px-2 py-2">Created by</th>
                <th className="px-2 py-2">Last used</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {candidates.map((token) => (
                <tr key={token.id} data-testid="candidate-row">
                  <td className="px-4 py-2">
                    <input
                      type="checkbox"
                      aria-label={`Only ${token.name}`}
                      checked={checked.has(token.id)}
                      onChange={() => toggle(token.id)}
                    />
                  </td>
                  <td className="px-2 py-2">
                    <div className="font-medium">{token.name}</div>
                    <div className="font-mono text-xs text-slate-500">{token.maskedValue}</div>
                  </td>
                  <td className="px-2 py-2">
                    <ScopeBadges scopes={token.scopes} />
                  </td>
                  <td className="px-2 py-2">{VISIBILITY_LABELS[token.visibility]}</td>
                  <td className="px-2 py-2">
                    <Badge tone={STATUS_BADGES[token.status].tone}>{STATUS_BADGES[token.status].label}</Badge>
                  </td>
                  <td className="px-2 py-2 text-slate-600">{token.createdBy ?? "—"}</td>
                  <td className="px-2 py-2 text-slate-600">
                    <RelativeTime date={token.lastUsedAt} />
                    {token.lastUsedIp && <div className="text-xs text-slate-500">{token.lastUsedIp}</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {total > candidates.length && (
            <p className="px-4 py-2 text-sm text-slate-600">
              …and {total - candidates.length} more. Narrow the filter to see them all; applying without checked tokens covers every one.
            </p>
          )}
        </div>
      </section>

      <section aria-labelledby="apply-heading" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="apply-heading" className="font-medium">
          Apply to {count} token{count === 1 ? "" : "s"}
        </h2>
        <div className="grid gap-4 sm:grid-cols-2">
          <SelectField
            label="Action"
            name="action"
            value={action}
            onChange={(e) => setAction(e.target.value as IncidentAction)}
            options={ACTION_OPTIONS}
            errors={state?.errors?.action}
          />
          {action === "ROTATE" ? (
            <SelectField
              label="Grace period for the old values"
              name="graceHours"
              defaultValue="1"
              options={GRACE_OPTIONS}
              errors={state?.errors?.graceHours}
            />
          ) : (
            <div />
          )}
        </div>
        <p className="text-sm text-slate-600">{ACTION_LABELS[action].description}</p>
        <Field
          label={
            <>
              Type <span className="font-mono">{orgSlug}</span> to confirm
            </>
          }
          name="confirmSlug"
          autoComplete="off"
          spellCheck={false}
          errors={state?.errors?.confirmSlug}
        />
        <FieldErrors
          errors={Object.entries(state?.errors ?? {}).flatMap(([field, messages]) =>
            ["action", "graceHours", "confirmSlug"].includes(field) ? [] : messages,
          )}
        />
        <FormError state={state} />
        <div className="flex justify-end">
          <Button
            type="submit"
            variant={action === "REVOKE" || action === "DISABLE" ? "danger" : "primary"}
            disabled={pending || count === 0}
          >
            {pending ? "Starting…" : `${ACTION_LABELS[action].verb} ${count} token${count === 1 ? "" : "s"}`}
          </Button>
        </div>
      </section>
    </form>
  );
}
