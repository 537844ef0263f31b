import "server-only";
import { db } from "../client";

export type MemberRow = {
  userId: string;
  name: string | null;
  email: string;
  githubLogin: string | null;
  role: "ADMIN" | "MEMBER";
  joinedAt: Date;
  lastActiveAt: Date | null;
};

export async function listMembers(orgId: string): Promise<MemberRow[]> {
  const rows = await db.membership.findMany({
    where: { orgId },
    orderBy: [{ role: "asc" }, { createdAt: "asc" }],
    select: {
      role: true,
      createdAt: true,
      user: { select: { id: true, name: true, email: true, githubLogin: true, lastActiveAt: true } },
    },
  });
  return rows.map((r) => ({
    userId: r.user.id,
    name: r.user.name,
    email: r.user.email,
    githubLogin: r.user.githubLogin,
    role: r.role,
    joinedAt: r.createdAt,
    lastActiveAt: r.user.lastActiveAt,
  }));
}
