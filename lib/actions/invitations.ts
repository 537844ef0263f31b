"use server";

import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";

import { actionActor, fieldErrors, inputToObject, orgAction, type ActionInput, type ActionState } from "@/lib/auth/action";
import { INVITE_COOKIE } from "@/lib/auth/github";
import { signIn } from "@/lib/auth/next-auth";
import { hashPassword } from "@/lib/auth/password";
import { getCurrentUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import {
  acceptInvitationAsNewUser,
  acceptInvitationById as acceptInvitationByIdForUser,
  acceptInvitation as acceptInvitationForUser,
  createInvitations,
  resendInvitation as resendInvitationLink,
  revokeInvitation as revokeInvitationLink,
  type AcceptResult,
  type IssuedInvitation,
} from "@/lib/db/member-mutations";
import { findInvitationByLink } from "@/lib/db/queries/members";
import { deliverInvitation } from "@/lib/mail/invitation-mail";
import { invitationLink } from "@/lib/mail/links";
import {
  acceptAsNewUserSchema,
  acceptInvitationSchema,
  invitationTargetSchema,
  inviteSchema,
  parseInvitees,
} from "@/lib/validations/member";

export type InviteOutcome = {
  invitee: string;
  /** "emailed": the invitee has the link in their inbox; "link": the admin must pass it on. */
  delivery: "emailed" | "link";
  /** Shown once to the admin when the invitation was not emailed. */
  link?: string;
};

export type InviteResult = { outcomes: InviteOutcome[]; skipped: { invitee: string; reason: string }[] };

// The one refusal an invitation change returns; a caller who lost members:manage meanwhile is answered by orgAction.
function notFound(message = "Not found."): ActionState<never> {
  return { ok: false, code: "NOT_FOUND", message };
}

async function deliver(invitation: IssuedInvitation, orgName: string, inviterName: string): Promise<InviteOutcome> {
  const link = await invitationLink(invitation.secret);
  if (!invitation.email) return { invitee: `@${invitation.githubLogin}`, delivery: "link", link };
  const delivery = await deliverInvitation({
    to: invitation.email,
    orgName,
    inviterName,
    role: invitation.role,
    link,
    expiresAt: invitation.expiresAt,
  });
  return delivery === "sent" ? { invitee: invitation.email, delivery: "emailed" } : { invitee: invitation.email, delivery: "link", link };
}

const SKIP_REASONS = { already_member: "already a member", already_invited: "already invited (re-send it from the list below)" } as const;

export const inviteMembers = orgAction("members:manage", inviteSchema, async (input, ctx): Promise<ActionState<InviteResult>> => {
  const parsed = parseInvitees(input.kind, input.invitees);
  if (!parsed.ok)
    return { ok: false, code: "INVALID", errors: { invitees: parsed.errors }, message: "Please correct the highlighted fields." };
  const result = await createInvitations(actionActor(ctx), ctx.org.id, parsed.invitees, input.role);
  if (!result.ok) return notFound();
  // Mail goes out after the invitations are committed, never from inside the transaction.
  const outcomes: InviteOutcome[] = [];
  for (const invitation of result.created) outcomes.push(await deliver(invitation, ctx.org.name, ctx.user.name ?? ctx.user.email));
  revalidatePath(`/${ctx.org.slug}/members`);
  const skipped = result.skipped.map((s) => ({ invitee: s.invitee, reason: SKIP_REASONS[s.reason] }));
  const message =
    outcomes.length === 0 ? "Nobody new to invite." : `Invited ${outcomes.length} ${outcomes.length === 1 ? "person" : "people"}.`;
  return { ok: outcomes.length > 0, message, data: { outcomes, skipped } };
});

export const revokeInvitation = orgAction("members:manage", invitationTargetSchema, async (input, ctx): Promise<ActionState> => {
  const result = await revokeInvitationLink(actionActor(ctx), ctx.org.id, input.invitationId);
  if (!result.ok) return notFound("That invitation is no longer open.");
  revalidatePath(`/${ctx.org.slug}/members`);
  return { ok: true, message: "Invitation revoked. Its link no longer works." };
});

export const resendInvitation = orgAction(
  "members:manage",
  invitationTargetSchema,
  async (input, ctx): Promise<ActionState<InviteOutcome>> => {
    const result = await resendInvitationLink(actionActor(ctx), ctx.org.id, input.invitationId);
    if (!result.ok) return notFound("That invitation is no longer open.");
    const outcome = await deliver(result.invitation, ctx.org.name, ctx.user.name ?? ctx.user.email);
    revalidatePath(`/${ctx.org.slug}/members`);
    return {
      ok: true,
      message:
        outcome.delivery === "emailed"
          ? `Sent a new link to ${outcome.invitee}. The old link no longer works.`
          : "New link created. The old link no longer works.",
      data: outcome,
    };
  },
);

// ——— Accepting (the invitee is not a member yet, so these are not org actions) ———

const ACCEPT_MESSAGES: Record<Exclude<AcceptResult, { ok: true }>["reason"], string> = {
  invalid: "This invitation link is not valid.",
  expired: "This invitation has expired. Ask an admin to send a new one.",
  revoked: "This invitation was revoked.",
  used: "This invitation has already been used.",
  wrong_user: "This invitation is for someone else.",
  account_exists: "An account with this email address already exists. Sign in to accept the invitation.",
};

/** A signed-in user joins with the invitation in the link. */
export async function acceptInvitation(_prev: ActionState | undefined, raw: ActionInput): Promise<ActionState> {
  const user = await getCurrentUser();
  if (!user) return { ok: false, code: "UNAUTHENTICATED", message: "Sign in to accept the invitation." };
  const parsed = acceptInvitationSchema.strict().safeParse(inputToObject(raw));
  if (!parsed.success) return fieldErrors(parsed.error);
  const joiner = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { id: true, email: true, githubLogin: true } });
  const result = await acceptInvitationForUser(parsed.data.secret, joiner);
  if (!result.ok)
    return { ok: false, code: result.reason === "invalid" ? "NOT_FOUND" : "CONFLICT", message: ACCEPT_MESSAGES[result.reason] };
  revalidatePath("/", "layout");
  redirect(`/${result.org.slug}/tokens`);
}

/** A signed-in user joins an org that invited them, from the org switcher (no link: the invitation must name them). */
export async function acceptPendingInvitation(_prev: ActionState | undefined, raw: ActionInput): Promise<ActionState> {
  const user = await getCurrentUser();
  if (!user) return { ok: false, code: "UNAUTHENTICATED", message: "Sign in to accept the invitation." };
  const parsed = invitationTargetSchema.strict().safeParse(inputToObject(raw));
  if (!parsed.success) return fieldErrors(parsed.error);
  const joiner = await db.user.findUniqueOrThrow({ where: { id: user.id }, select: { id: true, email: true, githubLogin: true } });
  const result = await acceptInvitationByIdForUser(parsed.data.invitationId, joiner);
  if (!result.ok) {
    // Someone else's invitation is as unknown to this user as a missing one.
    if (result.reason === "wrong_user" || result.reason === "invalid") return { ok: false, code: "NOT_FOUND", message: "Not found." };
    return { ok: false, code: "CONFLICT", message: ACCEPT_MESSAGES[result.reason] };
  }
  revalidatePath("/", "layout");
  redirect(`/${result.org.slug}/tokens`);
}

/** Someone new: creates their account with the invited address, joins, and signs them in. */
export async function acceptInvitationWithPassword(_prev: ActionState | undefined, raw: ActionInput): Promise<ActionState> {
  const parsed = acceptAsNewUserSchema.safeParse(inputToObject(raw));
  if (!parsed.success) return fieldErrors(parsed.error);
  const { secret, name, password } = parsed.data;
  // Cheap checks first, so a made-up or spent link costs no password hashing.
  const link = await findInvitationByLink(secret);
  if (!link) return { ok: false, code: "NOT_FOUND", message: ACCEPT_MESSAGES.invalid };
  if (link.state !== "pending") return { ok: false, code: "CONFLICT", message: ACCEPT_MESSAGES[link.state] };
  if (link.accountExists) return { ok: false, code: "CONFLICT", message: ACCEPT_MESSAGES.account_exists };
  // The same checks again, atomically, inside the transaction that creates the account.
  const result = await acceptInvitationAsNewUser(secret, { name, passwordHash: await hashPassword(password) });
  if (!result.ok)
    return { ok: false, code: result.reason === "invalid" ? "NOT_FOUND" : "CONFLICT", message: ACCEPT_MESSAGES[result.reason] };
  // The ordinary password sign-in: a new server-side session, then Next's redirect into the org.
  await signIn("credentials", { email: result.email, password, redirectTo: `/${result.org.slug}/tokens` });
  return { ok: true };
}

/** "Continue with GitHub" from an invitation: remembers the link for the sign-in callback, then goes to GitHub. */
export async function continueInvitationWithGithub(formData: ActionInput): Promise<void> {
  // A form action; a crafted call may send anything instead of the form's FormData.
  const parsed = acceptInvitationSchema.safeParse({ secret: inputToObject(formData).secret });
  if (!parsed.success) redirect("/sign-in");
  (await cookies()).set(INVITE_COOKIE, parsed.data.secret, {
    httpOnly: true,
    sameSite: "lax",
    // Only the GitHub callback needs it, and only for the few minutes a sign-in takes.
    path: "/api/auth",
    maxAge: 15 * 60,
    secure: process.env.KEYWARD_PUBLIC_URL?.startsWith("https://") ?? false,
  });
  await signIn("github", { redirectTo: `/invite/${parsed.data.secret}` });
}
