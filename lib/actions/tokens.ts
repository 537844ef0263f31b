"use server";

import { actionActor, orgAction, type ActionState } from "@/lib/auth/action";
import { tokenNameInUse } from "@/lib/db/queries/tokens";
import type { TokenVisibility } from "@/lib/db/token-dto";
import { createToken, revealToken, revokeToken, rotateToken, setTokenEnabled, updateToken } from "@/lib/db/token-mutations";
import { TokenDecryptionError } from "@/lib/tokens";
import { createTokenSchema, rotateTokenSchema, tokenTargetSchema, updateTokenSchema } from "@/lib/validations/token";

import { guarded, refreshOrgPages, TOKEN_NOT_FOUND } from "./refusals";

// Every action here is a public POST endpoint: the permission it needs is declared by its wrapper
// (orgAction), which also scopes it to the org named by `orgSlug` and refuses
// unknown fields. Responses to server actions carry `Cache-Control: no-store` (set by Next.js
// for every action response; the e2e tests check it on reveal).

/** The one-time display of a new or rotated value; the only action state that holds a secret. */
export type NewTokenValue = {
  tokenId: string;
  name: string;
  value: string;
  previousValueValidUntil: string | null;
  /** Who else can reveal the value later: the dialog says so. */
  visibility: TokenVisibility;
};

/**
 * A second token with an existing name is allowed but asked about first, on create and on rename:
 * the answer is NEEDS_CONFIRMATION with the warning beside the name, and the form resubmits with
 * createAnyway / saveAnyway.
 */
function nameInUseWarning(name: string, anyway: "create it anyway" | "save it anyway"): ActionState<never> {
  return {
    ok: false,
    code: "NEEDS_CONFIRMATION",
    errors: { name: [`A token named “${name}” already exists. Choose another name, or ${anyway}.`] },
    message: "A token with this name already exists.",
  };
}

export const createTokenAction = orgAction("tokens:manage", createTokenSchema, (input, ctx) =>
  guarded(async (): Promise<ActionState<NewTokenValue>> => {
    const { createAnyway, ...settings } = input;
    if (!createAnyway && (await tokenNameInUse(ctx.org.id, settings.name))) return nameInUseWarning(settings.name, "create it anyway");
    const { token, plaintext } = await createToken(actionActor(ctx), ctx.org.id, settings);
    refreshOrgPages(ctx);
    return {
      ok: true,
      message: `Created “${token.name}”.`,
      data: { tokenId: token.id, name: token.name, value: plaintext, previousValueValidUntil: null, visibility: token.visibility },
    };
  }),
);

export const updateTokenAction = orgAction("tokens:manage", updateTokenSchema, (input, ctx) =>
  guarded(async () => {
    const { tokenId, expectedVersion, saveAnyway, ...patch } = input;
    if (!saveAnyway && (await tokenNameInUse(ctx.org.id, patch.name, tokenId))) return nameInUseWarning(patch.name, "save it anyway");
    const token = await updateToken(actionActor(ctx), ctx.org.id, tokenId, patch, { expectedVersion });
    if (!token) return TOKEN_NOT_FOUND;
    refreshOrgPages(ctx);
    return { ok: true, message: `Saved “${token.name}”.` };
  }),
);

export const rotateTokenAction = orgAction("tokens:manage", rotateTokenSchema, (input, ctx) =>
  guarded(async (): Promise<ActionState<NewTokenValue>> => {
    const rotated = await rotateToken(actionActor(ctx), ctx.org.id, input.tokenId, {
      graceSeconds: input.graceHours * 3600,
      makeAdminOnly: input.makeAdminOnly,
      expectedVersion: input.expectedVersion,
    });
    if (!rotated) return TOKEN_NOT_FOUND;
    refreshOrgPages(ctx);
    const { token, plaintext } = rotated;
    return {
      ok: true,
      message: `Rotated “${token.name}”.`,
      data: {
        tokenId: token.id,
        name: token.name,
        value: plaintext,
        previousValueValidUntil: token.previousValueValidUntil?.toISOString() ?? null,
        visibility: token.visibility,
      },
    };
  }),
);

export const disableTokenAction = orgAction("tokens:manage", tokenTargetSchema, (input, ctx) =>
  guarded(async () => {
    const token = await setTokenEnabled(actionActor(ctx), ctx.org.id, input.tokenId, false);
    if (!token) return TOKEN_NOT_FOUND;
    refreshOrgPages(ctx);
    return { ok: true, message: `Disabled “${token.name}”. API calls with it now fail.` };
  }),
);

export const enableTokenAction = orgAction("tokens:manage", tokenTargetSchema, (input, ctx) =>
  guarded(async () => {
    const token = await setTokenEnabled(actionActor(ctx), ctx.org.id, input.tokenId, true);
    if (!token) return TOKEN_NOT_FOUND;
    refreshOrgPages(ctx);
    return { ok: true, message: `Enabled “${token.name}”.` };
  }),
);

export const revokeTokenAction = orgAction("tokens:manage", tokenTargetSchema, (input, ctx) =>
  guarded(async () => {
    const token = await revokeToken(actionActor(ctx), ctx.org.id, input.tokenId);
    if (!token) return TOKEN_NOT_FOUND;
    refreshOrgPages(ctx);
    return { ok: true, message: `Revoked “${token.name}”. Its value is destroyed.` };
  }),
);

/** Copy/reveal for members and admins: the token must be visible to the caller; every reveal is audited. */
export const revealTokenAction = orgAction("tokens:reveal", tokenTargetSchema, (input, ctx) =>
  guarded(async (): Promise<ActionState<{ value: string }>> => {
    let value: string | null;
    try {
      value = await revealToken(actionActor(ctx), ctx.org.id, input.tokenId, ctx.role);
    } catch (error) {
      // Fail closed: a value that does not decrypt (tampered row, missing key) is never guessed at.
      if (error instanceof TokenDecryptionError) {
        return { ok: false, message: "This token's value cannot be decrypted with the configured keys. Rotate it to get a new one." };
      }
      throw error;
    }
    if (value === null) return TOKEN_NOT_FOUND;
    return { ok: true, data: { value } };
  }),
);
