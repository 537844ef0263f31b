import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { cookies } from "next/headers";
import { z } from "zod";

import { db } from "../db/client";
import { logger } from "../logger";
import { safeCallbackPath } from "./callback-url";
import { completeGithubSignIn, githubEnabled, githubProvider, INVITE_COOKIE, type GithubProfile } from "./github";
import { beginSignIn } from "./login-throttle";
import { verifyPassword } from "./password";
import { clientIpFrom } from "./request-context";
import { endSession } from "./session-rows";

const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

export const signInSchema = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address").max(320),
  password: z.string().min(1, "Enter your password").max(1024),
});

class InvalidCredentials extends CredentialsSignin {
  code = "invalid";
}
class ThrottledSignIn extends CredentialsSignin {
  constructor(minutes: number) {
    super();
    this.code = `throttled:${minutes}`;
  }
}

export { githubEnabled };

/** A log line per refused password sign-in, for spotting guessing (never the password). */
function logRefusedSignIn(fields: {
  email?: string;
  ip: string;
  reason: "malformed" | "throttled" | "wrong-password" | "unknown-account";
  lockedMinutes?: number;
}) {
  logger.warn({ event: "sign-in refused", ...fields }, "sign-in refused");
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  trustHost: true,
  secret: process.env.AUTH_SECRET,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  providers: [
    Credentials({
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const ip = clientIpFrom(request.headers);
        const parsed = signInSchema.safeParse(raw);
        if (!parsed.success) {
          logRefusedSignIn({ ip, reason: "malformed" });
          throw new InvalidCredentials();
        }
        const { email, password } = parsed.data;
        const attempt = await beginSignIn(email, ip);
        if (!attempt.allowed) {
          logRefusedSignIn({ email, ip, reason: "throttled", lockedMinutes: attempt.minutes });
          throw new ThrottledSignIn(attempt.minutes);
        }
        const user = await db.user.findUnique({
          where: { email },
          select: { id: true, email: true, name: true, passwordHash: true },
        });
        const valid = (await verifyPassword(user?.passwordHash, password)) && user !== null;
        await attempt.finish(valid);
        if (!valid) {
          logRefusedSignIn({ email, ip, reason: user ? "wrong-password" : "unknown-account" });
          throw new InvalidCredentials();
        }
        return { id: user.id, email: user.email, name: user.name };
      },
    }),
    ...(githubEnabled ? [githubProvider()] : []),
  ],
  callbacks: {
    // The one callbackUrl rule (lib/auth/callback-url.ts), for Auth.js's own endpoints too.
    redirect({ url, baseUrl }) {
      return new URL(safeCallbackPath(url, baseUrl), baseUrl).href;
    },
    async signIn({ user, account, profile }) {
      if (account?.provider !== "github") return true;
      const cookieStore = await cookies();
      const inviteSecret = cookieStore.get(INVITE_COOKIE)?.value;
      // Used once: a later GitHub sign-in in this browser must not carry the invitation along.
      if (inviteSecret) cookieStore.delete({ name: INVITE_COOKIE, path: "/api/auth" });
      const result = await completeGithubSignIn({
        profile: profile as unknown as GithubProfile,
        accessToken: account.access_token ?? "",
        inviteSecret,
      });
      if (!result.ok) return "/sign-in?error=GitHubNoAccount";
      // Without a database adapter this object becomes the `user` of the jwt callback below,
      // which starts the server-side session for this id: make it the Keyward user's.
      user.id = result.userId;
      return true;
    },
    async jwt({ token, user }) {
      // Only present at sign-in: every sign-in starts a new server-side session.
      if (user?.id) {
        const session = await db.session.create({
          data: { userId: user.id, expiresAt: new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000) },
        });
        token.sid = session.id;
      }
      return token;
    },
    session({ session, token }) {
      return { ...session, sid: typeof token.sid === "string" ? token.sid : undefined };
    },
  },
  events: {
    // Auth.js's own sign-out (POST /api/auth/signout, and signOut() in our action) only clears the
    // cookie; a copy of the cookie would still name a live session row.
    async signOut(message) {
      const sid = "token" in message ? message.token?.sid : undefined;
      if (typeof sid === "string") await endSession(sid);
    },
  },
});

declare module "next-auth" {
  interface Session {
    sid?: string;
  }
}
