"use client";

import { useState } from "react";

import { Field, FieldErrors } from "@/components/ui/field";
import { SelectField } from "@/components/ui/select-field";
import type { TokenVisibility } from "@/lib/db/token-dto";
import type { QuotaWindow, Scope } from "@/lib/tokens";
import { QUOTA_MAX_LIMIT, TOKEN_NAME_MAX_LENGTH } from "@/lib/validations/token";

import { QUOTA_WINDOW_OPTIONS, utcDateInputValue, VISIBILITY_DESCRIPTIONS, VISIBILITY_LABELS } from "./labels";
import { ScopeTree } from "./scope-tree";
import { ServiceScopeTree } from "./service-scope-tree";

export type TokenFormDefaults = {
  name: string;
  scopes: readonly Scope[];
  serviceScopes: readonly string[];
  visibility: TokenVisibility;
  quotaMax: number;
  quotaWindow: QuotaWindow;
  expiresAt: Date | null;
  allowedNetworks: readonly string[];
};

export const NEW_TOKEN_DEFAULTS: TokenFormDefaults = {
  name: "",
  scopes: [],
  serviceScopes: [],
  visibility: "ADMIN_ONLY",
  quotaMax: 1000,
  quotaWindow: "MONTHLY",
  expiresAt: null,
  allowedNetworks: [],
};

/**
 * The settings of a token, shared by the create and edit forms. On edit, the expiry is sent only
 * when the admin changes it, so editing the name of an already-expired token does not trip the
 * "expiry must be in the future" rule.
 */
export function TokenFormFields({
  defaults,
  errors = {},
  isEdit = false,
}: {
  defaults: TokenFormDefaults;
  errors?: Record<string, string[]>;
  isEdit?: boolean;
}) {
  const [expiryTouched, setExpiryTouched] = useState(!isEdit);
  return (
    <div className="space-y-4">
      <NameField defaultValue={defaults.name} errors={errors.name} />
      <ScopeTree defaultScopes={defaults.scopes} errors={errors.scopes} />
      <ServiceScopeTree defaultScopes={defaults.serviceScopes} errors={errors.serviceScopes} />
      <fieldset aria-describedby={errors.visibility?.length ? "visibility-error" : undefined}>
        <legend className="text-sm font-medium text-slate-700">Visibility</legend>
        <div className="mt-1 space-y-2">
          {(["ADMIN_ONLY", "ORGANIZATION"] as const).map((visibility) => (
            <div key={visibility} className="flex items-start gap-2">
              <input
                id={`visibility-${visibility}`}
                type="radio"
                name="visibility"
                value={visibility}
                defaultChecked={defaults.visibility === visibility}
                className="mt-0.5 h-4 w-4 border-slate-300 text-indigo-600 focus:ring-indigo-500"
              />
              <label htmlFor={`visibility-${visibility}`} className="text-sm">
                <span className="font-medium">
                  {VISIBILITY_LABELS[visibility]}
                  {visibility === "ADMIN_ONLY" && " (default)"}
                </span>
                <span className="block text-xs text-slate-500">{VISIBILITY_DESCRIPTIONS[visibility]}</span>
              </label>
            </div>
          ))}
        </div>
        <p className="mt-1 text-xs text-slate-500">Visibility never grants editing: only admins create or edit tokens.</p>
        <FieldErrors id="visibility-error" errors={errors.visibility} />
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="Quota (requests per window)"
          name="quotaMax"
          type="number"
          inputMode="numeric"
          min={1}
          max={QUOTA_MAX_LIMIT}
          step={1}
          required
          defaultValue={defaults.quotaMax}
          errors={errors.quotaMax}
        />
        <SelectField
          label="Quota window"
          name="quotaWindow"
          defaultValue={defaults.quotaWindow}
          options={QUOTA_WINDOW_OPTIONS}
          errors={errors.quotaWindow}
        />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="expiresAt" className="text-sm font-medium text-slate-700">
          Expires on (optional)
        </label>
        <input
          id="expiresAt"
          // Unnamed (not submitted) until changed: see above.
          name={expiryTouched ? "expiresAt" : undefined}
          type="date"
          defaultValue={utcDateInputValue(defaults.expiresAt)}
          onChange={() => setExpiryTouched(true)}
          aria-invalid={errors.expiresAt?.length ? true : undefined}
          aria-describedby={errors.expiresAt?.length ? "expiresAt-error" : "expiresAt-hint"}
          className="w-48 rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 aria-invalid:border-red-500"
        />
        <p id="expiresAt-hint" className="text-xs text-slate-500">
          The token stops working at the end of this day (UTC). Leave empty for no expiry.
        </p>
        <FieldErrors id="expiresAt-error" errors={errors.expiresAt} />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="allowedNetworks" className="text-sm font-medium text-slate-700">
          Allowed networks
        </label>
        <textarea
          id="allowedNetworks"
          name="allowedNetworks"
          rows={3}
          defaultValue={defaults.allowedNetworks.join("\n")}
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          aria-invalid={errors.allowedNetworks?.length ? true : undefined}
          aria-describedby={errors.allowedNetworks?.length ? "allowedNetworks-hint allowedNetworks-error" : "allowedNetworks-hint"}
          className="w-full rounded-md border border-slate-300 px-3 py-1.5 font-mono text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 aria-invalid:border-red-500"
        />
        <p id="allowedNetworks-hint" className="text-xs text-slate-500">
          One CIDR range per line or separated by commas, e.g. 203.0.113.0/24, 2001:db8::/32. Leave empty to allow any address. Calls from
          elsewhere are refused (403).
        </p>
        <FieldErrors id="allowedNetworks-error" errors={errors.allowedNetworks} />
      </div>
    </div>
  );
}

/**
 * The name, with its limit stated and counted. No `maxLength`: the browser would cut a long paste
 * without a word; instead the count turns red and the field says what is wrong.
 */
function NameField({ defaultValue, errors }: { defaultValue: string; errors?: string[] }) {
  const [length, setLength] = useState(defaultValue.length);
  const tooLong = length > TOKEN_NAME_MAX_LENGTH;
  const shownErrors = tooLong
    ? [`Use at most ${TOKEN_NAME_MAX_LENGTH} characters (this name has ${length.toLocaleString("en")}).`]
    : errors;
  return (
    <Field
      label="Name"
      name="name"
      defaultValue={defaultValue}
      required
      autoComplete="off"
      onChange={(e) => setLength(e.currentTarget.value.trim().length)}
      errors={shownErrors}
      hint={
        <span className="flex justify-between gap-2">
          <span>Who or what uses it, e.g. “CI pipeline”.</span>
          <span data-testid="name-length" className={tooLong ? "font-medium text-red-600" : undefined}>
            {length.toLocaleString("en")} / {TOKEN_NAME_MAX_LENGTH}
          </span>
        </span>
      }
    />
  );
}
