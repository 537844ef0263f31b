"use client";

import { useActionState } from "react";

import { Button } from "@/components/ui/button";
import { narrowTokenScopesAction } from "@/lib/actions/usage";
import type { Scope } from "@/lib/tokens";

/** The admin's one click: applies exactly the suggested list, for the token version the page showed. */
export function NarrowScopesForm({
  orgSlug,
  tokenId,
  version,
  scopes,
}: {
  orgSlug: string;
  tokenId: string;
  version: number;
  /** null: nothing to narrow (the message of the last click stays). */
  scopes: Scope[] | null;
}) {
  const [state, action, pending] = useActionState(narrowTokenScopesAction, undefined);
  const message = (
    <p role="status" aria-live="polite" className={`text-xs ${state?.ok ? "text-green-800" : "text-red-700"}`}>
      {state?.message}
    </p>
  );
  if (!scopes) return <div className="mt-2">{message}</div>;
  return (
    <form action={action} className="mt-2 flex flex-wrap items-center gap-3">
      <input type="hidden" name="orgSlug" value={orgSlug} />
      <input type="hidden" name="tokenId" value={tokenId} />
      <input type="hidden" name="expectedVersion" value={version} />
      {/* Space-separated; empty means "no scopes". */}
      <input type="hidden" name="scopes" value={scopes.join(" ")} />
      <Button type="submit" disabled={pending}>
        {pending ? "Narrowing…" : "Narrow unused scopes"}
      </Button>
      {message}
    </form>
  );
}
