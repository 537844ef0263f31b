import Link from "next/link";

import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { SelectField } from "@/components/ui/select-field";
import { SCOPE_NAMES } from "@/lib/tokens";

/** The filter's URL parameters (the same names the confirm form sends to the server action). */
export const FILTER_FIELDS = ["visibility", "scope", "status", "createdBy", "createdBefore", "usedFrom", "notUsedSince"] as const;

/**
 * Which tokens: a plain GET form, so the filter lives in the URL (shareable, back button) and the
 * preview is rendered on the server. Every criterion given must hold.
 */
export function FilterForm({
  action,
  values,
  errors,
  creators,
}: {
  action: string;
  values: Record<string, string>;
  errors: Record<string, string[]>;
  creators: { id: string; email: string }[];
}) {
  return (
    <form method="get" action={action} className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" aria-label="Token filter">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <SelectField
          label="Visibility"
          name="visibility"
          defaultValue={values.visibility ?? ""}
          errors={errors.visibility}
          options={[
            { value: "", label: "Any" },
            { value: "ORGANIZATION", label: "Organization members" },
            { value: "ADMIN_ONLY", label: "Admin only" },
          ]}
        />
        <SelectField
          label="Has scope"
          name="scope"
          defaultValue={values.scope ?? ""}
          errors={errors.scope}
          options={[{ value: "", label: "Any" }, ...SCOPE_NAMES.map((scope) => ({ value: scope, label: scope }))]}
        />
        <SelectField
          label="Status"
          name="status"
          defaultValue={values.status ?? ""}
          errors={errors.status}
          options={[
            { value: "", label: "Active or disabled" },
            { value: "ACTIVE", label: "Active" },
            { value: "DISABLED", label: "Disabled" },
          ]}
        />
        <SelectField
          label="Created by"
          name="createdBy"
          defaultValue={values.createdBy ?? ""}
          errors={errors.createdBy}
          options={[{ value: "", label: "Anyone" }, ...creators.map((c) => ({ value: c.id, label: c.email }))]}
        />
        <Field
          label="Created before"
          name="createdBefore"
          type="date"
          defaultValue={values.createdBefore ?? ""}
          errors={errors.createdBefore}
        />
        <Field
          label="Used from (IP or range)"
          name="usedFrom"
          placeholder="203.0.113.0/24"
          defaultValue={values.usedFrom ?? ""}
          errors={errors.usedFrom}
          hint="Any recorded request from this address or range."
        />
        <Field
          label="Not used since"
          name="notUsedSince"
          type="date"
          defaultValue={values.notUsedSince ?? ""}
          errors={errors.notUsedSince}
          hint="Includes tokens never used."
        />
      </div>
      <div className="flex items-center justify-end gap-3">
        <Link href={action} className="text-sm text-slate-600 hover:underline">
          Clear
        </Link>
        <Button type="submit" name="preview" value="1">
          Preview tokens
        </Button>
      </div>
    </form>
  );
}
