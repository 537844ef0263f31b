"use server";

import { AuthError, CredentialsSignin } from "next-auth";

import { fieldErrors, inputToObject, type ActionInput, type ActionState } from "@/lib/auth/action";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { signIn, signInSchema, signOut } from "@/lib/auth/next-auth";
import { getCurrentUser } from "@/lib/auth/session";
import { endSession } from "@/lib/auth/session-rows";
import { publicOrigin } from "@/lib/server/public-origin";

export async function signInWithPassword(_prev: ActionState | undefined, formData: ActionInput): Promise<ActionState> {
  const input = inputToObject(formData);
  const parsed = signInSchema.safeParse({ email: input.email, password: input.password });
  if (!parsed.success) return fieldErrors(parsed.error);
  try {
    await signIn("credentials", { ...parsed.data, redirectTo: safeCallbackPath(input.callbackUrl, await publicOrigin()) });
  } catch (error) {
    if (error instanceof CredentialsSignin) {
      const throttled = /^throttled:(\d+)$/.exec(error.code);
      if (throttled) {
        const minutes = Number(throttled[1]);
        return { ok: false, message: `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.` };
      }
      return { ok: false, message: "Incorrect email or password." };
    }
    if (error instanceof AuthError) return { ok: false, message: "Sign-in failed. Please try again." };
    throw error; // Next's redirect after a successful sign-in
  }
  return { ok: true };
}

export async function signOutAction(): Promise<void> {
  const user = await getCurrentUser();
  if (user) await endSession(user.sessionId);
  await signOut({ redirectTo: "/sign-in" });
}

/** A form action; a crafted call may send anything instead of the form's FormData. */
export async function signInWithGithub(formData: ActionInput): Promise<void> {
  await signIn("github", { redirectTo: safeCallbackPath(inputToObject(formData).callbackUrl, await publicOrigin()) });
}
