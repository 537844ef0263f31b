import { revalidatePath } from "next/cache";

import type { ActionContext, ActionState } from "@/lib/auth/action";
import { IncidentError } from "@/lib/db/incidents";
import { isTokenConflict, isTokenPolicyError, isUnknownServiceScopeError } from "@/lib/db/token-mutations";

// What the token and incident actions share (not a "use server" module: nothing here is an endpoint).

export const TOKEN_NOT_FOUND: ActionState<never> = {
  ok: false,
  code: "NOT_FOUND",
  message: "This token does not exist or you cannot see it.",
};

/** Every page of the org shows tokens (lists, alerts, counts): refresh them all after a change. */
export function refreshOrgPages(ctx: ActionContext): void {
  revalidatePath(`/${ctx.org.slug}`, "layout");
}

/** Typed refusals from the mutation layer become answers the form can show; anything else is a real failure. */
export async function guarded<T>(run: () => Promise<ActionState<T>>): Promise<ActionState<T>> {
  try {
    return await run();
  } catch (error) {
    if (isTokenConflict(error)) return { ok: false, code: "CONFLICT", message: error.message };
    // The org's token policy (longest lifetime) is checked with the org's settings, beside the field it concerns.
    if (isTokenPolicyError(error) || isUnknownServiceScopeError(error)) {
      return { ok: false, code: "INVALID", errors: { [error.field]: [error.message] }, message: "Please correct the highlighted fields." };
    }
    if (error instanceof IncidentError) {
      return { ok: false, code: error.code === "NOT_FOUND" ? "NOT_FOUND" : "CONFLICT", message: error.message };
    }
    throw error;
  }
}
