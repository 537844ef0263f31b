"use server";

import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { adminAction, memberAction, type ActionContext, type ActionState } from "@/lib/auth/action";
import {
  changeMemberRole as changeRole,
  leaveOrg,
  removeMember as removeFromOrg,
  setGithubOrgLogin,
  type MemberActor,
} from "@/lib/db/member-mutations";
import { listTokensSeenBy, type ExposedToken } from "@/lib/db/queries/members";
import { changeRoleSchema, githubOrgSettingSchema, leaveOrgSchema, removeMemberSchema } from "@/lib/validations/member";

const LAST_ADMIN_MESSAGE = "An organization needs at least one admin. Make someone else an admin first.";

function refusal(reason: "not_found" | "forbidden" | "last_admin"): ActionState<never> {
  if (reason === "last_admin") return { ok: false, code: "CONFLICT", message: LAST_ADMIN_MESSAGE };
  if (reason === "forbidden") return { ok: false, code: "FORBIDDEN", message: "Only organization admins can do this." };
  return { ok: false, code: "NOT_FOUND", message: "That person is not a member of this organization." };
}

function actorOf(ctx: ActionContext): MemberActor {
  return { userId: ctx.user.id, label: ctx.user.email, ip: ctx.ip, userAgent: ctx.userAgent };
}

export const changeMemberRole = adminAction(changeRoleSchema, async (input, ctx): Promise<ActionState> => {
  const result = await changeRole(actorOf(ctx), ctx.org.id, input.userId, input.role);
  if (!result.ok) return refusal(result.reason);
  revalidatePath(`/${ctx.org.slug}`, "layout");
  return { ok: true, message: `${result.email} is now ${input.role === "ADMIN" ? "an admin" : "a member"}.` };
});

export type RemovalResult = { email: string; exposedTokens: ExposedToken[] };

/** Removes a member (ending their sessions) and lists the token values they know, for the offboarding step. */
export const removeMember = adminAction(removeMemberSchema, async (input, ctx): Promise<ActionState<RemovalResult>> => {
  const result = await removeFromOrg(actorOf(ctx), ctx.org.id, input.userId);
  if (!result.ok) return refusal(result.reason);
  revalidatePath(`/${ctx.org.slug}`, "layout");
  const exposedTokens = await listTokensSeenBy(ctx.org.id, input.userId);
  return { ok: true, message: `Removed ${result.email}.`, data: { email: result.email, exposedTokens } };
});

/** A member leaves the org on their own. */
export const leaveOrganization = memberAction(leaveOrgSchema, async (_input, ctx): Promise<ActionState> => {
  const result = await leaveOrg(actorOf(ctx), ctx.org.id);
  if (!result.ok) return refusal(result.reason);
  revalidatePath("/", "layout");
  redirect("/");
});

export const updateGithubJoinSetting = adminAction(githubOrgSettingSchema, async (input, ctx): Promise<ActionState> => {
  const result = await setGithubOrgLogin(actorOf(ctx), ctx.org.id, input.githubOrg || null);
  if (!result.ok) return refusal(result.reason);
  revalidatePath(`/${ctx.org.slug}/members`);
  return {
    ok: true,
    message: input.githubOrg
      ? `Members of the GitHub organization ${input.githubOrg} can now join by signing in with GitHub.`
      : "Joining through a GitHub organization is turned off.",
  };
});
