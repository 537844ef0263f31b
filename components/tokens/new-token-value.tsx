"use client";

import { Button } from "@/components/ui/button";
import { SecretValue } from "@/components/ui/secret-value";
import type { TokenVisibility } from "@/lib/db/token-dto";

/**
 * A new or rotated value, shown right after the change. It stays retrievable: admins (and, for an
 * organization-visible token, members) can reveal or copy it again, each time audited — so the
 * dialog says that rather than "shown once".
 */
export function NewTokenValue({
  name,
  value,
  previousValueValidUntil,
  rotated,
  visibility,
  onDone,
}: {
  name: string;
  value: string;
  previousValueValidUntil?: string | null;
  rotated: boolean;
  visibility: TokenVisibility;
  onDone: () => void;
}) {
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700">
        {rotated ? "The new value of " : "The value of "}
        <strong className="[overflow-wrap:anywhere]">{name}</strong>:
      </p>
      <p className="text-sm text-slate-700" data-testid="reveal-again-note">
        You can reveal or copy it again later from the token&apos;s page or its menu in the Tokens list. Every reveal and copy is recorded
        in the audit log.{" "}
        {visibility === "ORGANIZATION"
          ? "This token is visible to organization members, so members can reveal it too."
          : "This token is admin-only: only admins can reveal it."}
      </p>
      {/* Focused as it appears, like every secret panel: keyboard and screen-reader users land on the value. */}
      <SecretValue value={value} label={`Value of ${name}`} focusOnShow />
      {rotated && (
        <p className="rounded-md bg-slate-50 p-2 text-sm text-slate-700" data-testid="previous-value-status">
          {previousValueValidUntil && new Date(previousValueValidUntil) > new Date()
            ? `The previous value keeps working until ${new Date(previousValueValidUntil).toISOString().replace("T", " ").slice(0, 16)} UTC.`
            : "The previous value has stopped working."}
        </p>
      )}
      <div className="flex justify-end">
        <Button type="button" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
