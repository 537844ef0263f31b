"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";

import { actionActor, orgAction, type ActionState } from "@/lib/auth/action";
import { changeMemberRole as changeRole, leaveOrg, removeMember as removeFromOrg, setGithubOrgLogin } from "@/lib/db/member-mutations";
import { hasDeparted, listTokensSeenBy, type ExposedToken } from "@/lib/db/queries/members";
import { isTokenConflict, rotateToken } from "@/lib/db/token-mutations";
import {
  changeRoleSchema,
  githubOrgSettingSchema,
  leaveOrgSchema,
  removeMemberSchema,
  rotateExposedTokensSchema,
} from "@/lib/validations/member";

const LAST_ADMIN_MESSAGE = "An organization needs at least one admin. Make someone else an admin first.";

// A caller who lost members:manage meanwhile never gets here: orgAction answers that (FORBIDDEN / NOT_FOUND).
function refusal(reason: "not_found" | "last_admin"): ActionState<never> {
  if (reason === "last_admin") return { ok: false, code: "CONFLICT", message: LAST_ADMIN_MESSAGE };
  return { ok: false, code: "NOT_FOUND", message: "That person is not a member of this organization." };
}

export const changeMemberRole = orgAction("members:manage", changeRoleSchema, async (input, ctx): Promise<ActionState> => {
  const result = await changeRole(actionActor(ctx), ctx.org.id, input.userId, input.role);
  if (!result.ok) return refusal(result.reason);
  revalidatePath(`/${ctx.org.slug}`, "layout");
  return { ok: true, message: `${result.email} is now ${input.role === "ADMIN" ? "an admin" : "a member"}.` };
});

export type RemovalResult = { email: string; exposedTokens: ExposedToken[] };

/** Removes a member (ending their sessions) and lists the token values they know, for the offboarding step. */
export const removeMember = orgAction("members:manage", removeMemberSchema, async (input, ctx): Promise<ActionState<RemovalResult>> => {
  const result = await removeFromOrg(actionActor(ctx), ctx.org.id, input.userId);
  if (!result.ok) return refusal(result.reason);
  revalidatePath(`/${ctx.org.slug}`, "layout");
  const exposedTokens = await listTokensSeenBy(ctx.org.id, input.userId);
  return { ok: true, message: `Removed ${result.email}.`, data: { email: result.email, exposedTokens } };
});

/** A member leaves the org on their own. */
export const leaveOrganization = orgAction("org:leave", leaveOrgSchema, async (_input, ctx): Promise<ActionState> => {
  const result = await leaveOrg(actionActor(ctx), ctx.org.id);
  if (!result.ok) return refusal(result.reason);
  revalidatePath("/", "layout");
  redirect("/");
});

export const updateGithubJoinSetting = orgAction("members:manage", githubOrgSettingSchema, async (input, ctx): Promise<ActionState> => {
  const result = await setGithubOrgLogin(actionActor(ctx), ctx.org.id, input.githubOrg || null);
  if (!result.ok) return refusal(result.reason);
  revalidatePath(`/${ctx.org.slug}/members`);
  return {
    ok: true,
    message: input.githubOrg
      ? `Members of the GitHub organization ${input.githubOrg} can now join by signing in with GitHub.`
      : "Joining through a GitHub organization is turned off.",
  };
});

export type OffboardingRotation = { rotated: string[]; skipped: string[] };

/**
 * The offboarding step: rotates, in one go, every live token whose current value a departed
 * person has seen. The list is worked out here on the server, not taken from the form, and each
 * rotation goes through the one token rotation (its own audit event, version-guarded).
 */
export const rotateExposedTokens = orgAction(
  "tokens:manage",
  rotateExposedTokensSchema,
  async (input, ctx): Promise<ActionState<OffboardingRotation>> => {
    if (!(await hasDeparted(ctx.org.id, input.userId))) {
      return { ok: false, code: "NOT_FOUND", message: "Only tokens seen by people who left or were removed are rotated here." };
    }
    const exposed = await listTokensSeenBy(ctx.org.id, input.userId);
    const actor = { kind: "user" as const, userId: ctx.user.id, label: ctx.user.email, ip: ctx.ip, userAgent: ctx.userAgent };
    const rotated: string[] = [];
    const skipped: string[] = [];
    for (const token of exposed) {
      try {
        // The version read just now: a token someone changes meanwhile is left for the admin to look at, not rotated twice.
        const result = await rotateToken(actor, ctx.org.id, token.id, { graceSeconds: input.graceSeconds, expectedVersion: token.version });
        (result ? rotated : skipped).push(token.name);
      } catch (error) {
        if (!isTokenConflict(error)) throw error;
        skipped.push(token.name);
      }
    }
    revalidatePath(`/${ctx.org.slug}`, "layout");
    const when = input.graceSeconds === 0 ? "now" : `in ${formatGrace(input.graceSeconds)}`;
    const parts = [
      rotated.length > 0
        ? `Rotated ${rotated.length} ${rotated.length === 1 ? "token" : "tokens"}; the old values stop working ${when}. Reveal the new values on the Tokens page to update what uses them.`
        : "Nothing needed rotating.",
      skipped.length > 0 ? `Changed by someone else meanwhile, so not rotated: ${skipped.join(", ")}.` : "",
    ];
    return { ok: skipped.length === 0, message: parts.filter(Boolean).join(" "), data: { rotated, skipped } };
  },
);

function formatGrace(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} ${seconds === 86_400 ? "day" : "days"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} ${seconds === 3600 ? "hour" : "hours"}`;
  return `${Math.round(seconds / 60)} minutes`;
}
