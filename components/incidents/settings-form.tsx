"use client";

import { useRouter } from "next/navigation";

import { useFormAction } from "@/components/tokens/use-form-action";
import { Button } from "@/components/ui/button";
import { Field, FormMessage } from "@/components/ui/field";
import { SelectField } from "@/components/ui/select-field";
import { updateIncidentSettingsAction } from "@/lib/actions/incidents";

export function IncidentSettingsForm({
  orgSlug,
  settings,
}: {
  orgSlug: string;
  settings: { leakedTokenPolicy: "DISABLE" | "FLAG"; maxTokenLifetimeDays: number | null };
}) {
  const router = useRouter();
  const { state, pending, onSubmit } = useFormAction(updateIncidentSettingsAction, () => router.refresh());
  return (
    <form onSubmit={onSubmit} className="space-y-4" aria-label="Incident settings">
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          label="When a secret scanner reports a live token"
          name="leakedTokenPolicy"
          defaultValue={settings.leakedTokenPolicy}
          errors={state?.errors?.leakedTokenPolicy}
          options={[
            { value: "DISABLE", label: "Disable it at once, and tell the admins" },
            { value: "FLAG", label: "Only tell the admins" },
          ]}
        />
        <Field
          label="Longest token lifetime (days)"
          name="maxTokenLifetimeDays"
          type="number"
          min={1}
          max={3650}
          placeholder="No limit"
          defaultValue={settings.maxTokenLifetimeDays ?? ""}
          errors={state?.errors?.maxTokenLifetimeDays}
          hint="Applies when a token is created or its expiry changed; new tokens without an expiry get the longest allowed."
        />
      </div>
      <div className="flex items-center justify-end gap-3">
        <FormMessage message={state?.message} ok={state?.ok} />
        <Button type="submit" disabled={pending}>
          {pending ? "Saving…" : "Save settings"}
        </Button>
      </div>
    </form>
  );
}
