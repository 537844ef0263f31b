import { z } from "zod";

import { isInvitationSecret } from "@/lib/auth/invitation-secret";

import { isStorableText } from "./text";

export const MAX_INVITEES_PER_REQUEST = 50;
export const MIN_PASSWORD_LENGTH = 12;
/** Longest grace period an offboarding rotation may give the old values. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

export const roleSchema = z.enum(["ADMIN", "MEMBER"], { message: "Choose Admin or Member." });

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(320, "Email addresses are at most 320 characters.")
  .email("Enter a valid email address.");

// GitHub's own rule for user and organization names: letters, digits and single inner hyphens, 1–39 characters.
const GITHUB_NAME = /^[a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38}$/;

/** A GitHub login as people type it ("@Octocat" too); stored lowercase, since GitHub logins are case-insensitive. */
export const githubLoginSchema = z
  .string()
  .trim()
  .transform((v) => v.replace(/^@/, "").toLowerCase())
  .refine((v) => GITHUB_NAME.test(v), "Enter a GitHub login: letters, digits and single hyphens, at most 39 characters.");

export const invitationSecretSchema = z.string().refine(isInvitationSecret, "This invitation link is not valid.");

/** The members of an org, one entity: who and with which role. Variants below pick from it. */
export const memberSchema = z.object({
  userId: z.uuid("Unknown member."),
  role: roleSchema,
});

export const changeRoleSchema = memberSchema.pick({ userId: true, role: true });
export const removeMemberSchema = memberSchema.pick({ userId: true });
export const leaveOrgSchema = z.object({});

export const rotateExposedTokensSchema = memberSchema.pick({ userId: true }).extend({
  graceSeconds: z.coerce
    .number("Choose when the old values stop working.")
    .int()
    .min(0)
    .max(MAX_ROTATION_GRACE_SECONDS, "The grace period is at most 7 days."),
});

export const githubOrgSettingSchema = z.object({
  // Empty turns the setting off.
  githubOrg: z
    .string()
    .trim()
    .max(64)
    .transform((v) => v.replace(/^@/, "").toLowerCase())
    .refine((v) => v === "" || GITHUB_NAME.test(v), "Enter a GitHub organization name, or leave it empty to turn this off."),
});

export type Invitee = { email: string; githubLogin?: undefined } | { githubLogin: string; email?: undefined };

/** The invite form: one kind of invitee per submission, entered as a list separated by commas, spaces or new lines. */
export const inviteSchema = z.object({
  kind: z.enum(["email", "github"], { message: "Choose email or GitHub login." }),
  invitees: z.string().max(20_000, "That list is too long."),
  role: roleSchema,
});

/** Splits and checks the invitee list entry by entry, so an error names the bad entry. */
export function parseInvitees(kind: "email" | "github", text: string): { ok: true; invitees: Invitee[] } | { ok: false; errors: string[] } {
  const entries = [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
  if (entries.length === 0) return { ok: false, errors: ["Enter at least one address or login."] };
  if (entries.length > MAX_INVITEES_PER_REQUEST) {
    return { ok: false, errors: [`Invite at most ${MAX_INVITEES_PER_REQUEST} people at a time.`] };
  }
  const invitees: Invitee[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const parsed = kind === "email" ? emailSchema.safeParse(entry) : githubLoginSchema.safeParse(entry);
    if (!parsed.success) {
      errors.push(`“${entry.slice(0, 80)}” is not ${kind === "email" ? "a valid email address" : "a valid GitHub login"}.`);
      continue;
    }
    if (seen.has(parsed.data)) continue;
    seen.add(parsed.data);
    invitees.push(kind === "email" ? { email: parsed.data } : { githubLogin: parsed.data });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, invitees };
}

export const invitationTargetSchema = z.object({ invitationId: z.uuid("Unknown invitation.") });

export const acceptInvitationSchema = z.object({ secret: invitationSecretSchema });

export const acceptAsNewUserSchema = z
  .object({
    secret: invitationSecretSchema,
    name: z
      .string()
      .trim()
      .min(1, "Enter your name.")
      .max(100, "Names are at most 100 characters.")
      .refine(isStorableText, "Your name contains characters that are not valid text."),
    password: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
      .max(1024, "Passwords are at most 1024 characters."),
    confirmPassword: z.string().max(1024),
  })
  .refine((v) => v.password === v.confirmPassword, { path: ["confirmPassword"], message: "The passwords do not match." });
