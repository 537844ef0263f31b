import type { ReactNode } from "react";

import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/field";
import type { ActionState } from "@/lib/auth/action";

/** The form's message, or — when the name is taken — the warning that asks before a second token gets it. */
export function NameInUseMessage({ state }: { state: ActionState<unknown> | undefined }) {
  if (state?.code !== "NEEDS_CONFIRMATION") return <FormError state={state} />;
  return (
    <div
      role="alert"
      className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900"
      data-testid="duplicate-name-warning"
    >
      {state.message} Two tokens with one name are hard to tell apart in lists and the audit log.
    </div>
  );
}

/** "Create anyway" / "Save anyway": shown only after the warning, a submit that sets `field`. */
export function NameInUseAnyway({
  state,
  field,
  pending,
  children,
}: {
  state: ActionState<unknown> | undefined;
  field: string;
  pending: boolean;
  children: ReactNode;
}) {
  if (state?.code !== "NEEDS_CONFIRMATION") return null;
  return (
    <Button type="submit" name={field} value="true" variant="secondary" disabled={pending}>
      {children}
    </Button>
  );
}
