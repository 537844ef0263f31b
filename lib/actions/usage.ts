"use server";

import { revalidatePath } from "next/cache";

import { actionActor, orgAction, type ActionState } from "@/lib/auth/action";
import { db } from "@/lib/db/client";
import { visibleTokensWhere } from "@/lib/db/queries/tokens";
import { getTokenScopeUsage } from "@/lib/db/queries/usage";
import { isTokenConflict, updateToken } from "@/lib/db/token-mutations";
import { deserializeScopes, serializeScopes } from "@/lib/tokens";
import { narrowScopesSchema } from "@/lib/validations/usage";

/**
 * "Narrow unused scopes" in one click (admins). The suggestion is recomputed from current usage
 * and must equal the list the admin was shown; the change goes through the one token-update
 * path (audited, version-guarded), so an edit made meanwhile is a conflict, not overwritten.
 */
export const narrowTokenScopesAction = orgAction("tokens:manage", narrowScopesSchema, async (input, ctx): Promise<ActionState> => {
  const token = await db.apiToken.findFirst({
    where: { ...visibleTokensWhere(ctx.org.id, ctx.role), id: input.tokenId },
    select: { id: true, scopes: true, createdAt: true },
  });
  if (!token) return { ok: false, code: "NOT_FOUND", message: "This token does not exist or you cannot see it." };
  const usage = await getTokenScopeUsage({ ...token, scopes: deserializeScopes(token.scopes) });
  if (usage.countedRequests === 0 || usage.suggestion === null || serializeScopes(usage.suggestion) !== serializeScopes(input.scopes)) {
    return {
      ok: false,
      code: "CONFLICT",
      message: "The token's usage or scopes changed since this page was loaded. Reload to see the current suggestion.",
    };
  }
  try {
    const updated = await updateToken(
      actionActor(ctx),
      ctx.org.id,
      token.id,
      { scopes: input.scopes },
      { expectedVersion: input.expectedVersion },
    );
    if (!updated) return { ok: false, code: "NOT_FOUND", message: "This token does not exist or you cannot see it." };
    revalidatePath(`/${ctx.org.slug}`, "layout");
    const shown = updated.scopes.length > 0 ? updated.scopes.join(", ") : "no scopes";
    return { ok: true, message: `Scopes narrowed to ${shown}.` };
  } catch (error) {
    if (isTokenConflict(error)) return { ok: false, code: "CONFLICT", message: error.message };
    throw error;
  }
});
