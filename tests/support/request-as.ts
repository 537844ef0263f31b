import { randomUUID } from "node:crypto";

import { db } from "@/lib/db/client";
import { CLIENT_IP_HEADER } from "@/lib/server/client-ip";

/**
 * The request the code under test sees: which server-side session the (mocked) next-auth cookie
 * names, and the request headers. Server actions read both exactly as they do in production.
 */
export const testRequest: { sessionId: string | null; headers: Headers } = {
  sessionId: null,
  headers: new Headers(),
};

/** Makes the following server-action calls come from this user (a fresh Session row), or signed out. */
export async function actAs(user: { id: string } | null, opts: { ip?: string; userAgent?: string } = {}) {
  testRequest.headers = new Headers({
    [CLIENT_IP_HEADER]: opts.ip ?? "127.0.0.1",
    "user-agent": opts.userAgent ?? "vitest",
  });
  if (!user) {
    testRequest.sessionId = null;
    return;
  }
  const session = await db.session.create({
    data: { userId: user.id, expiresAt: new Date(Date.now() + 3600_000) },
  });
  testRequest.sessionId = session.id;
}

/** A new org with one admin and one member (unique names, so tests can share a database). */
export async function createTestOrg(label = "org") {
  const suffix = randomUUID().slice(0, 8);
  const org = await db.org.create({ data: { slug: `${label}-${suffix}`, name: `${label} ${suffix}` } });
  const admin = await db.user.create({ data: { email: `admin-${suffix}@${label}.test`, name: `Admin ${suffix}` } });
  const member = await db.user.create({ data: { email: `member-${suffix}@${label}.test`, name: `Member ${suffix}` } });
  await db.membership.create({ data: { orgId: org.id, userId: admin.id, role: "ADMIN" } });
  await db.membership.create({ data: { orgId: org.id, userId: member.id, role: "MEMBER" } });
  return { org, admin, member };
}
