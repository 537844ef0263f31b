import Link from "next/link";
import { listUserOrgs, requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { listInvitationsForUser } from "@/lib/db/queries/members";
import { OrgAdminAlerts } from "./admin-alerts";
import { Logo } from "@/components/shell/logo";
import { NavLinks } from "@/components/shell/nav-links";
import { OrgSwitcher } from "@/components/shell/org-switcher";
import { SignOutButton } from "@/components/shell/sign-out-button";

export default async function OrgLayout({ children, params }: { children: React.ReactNode; params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  const [orgs, invitations] = await Promise.all([listUserOrgs(access.user.id), listInvitationsForUser(access.user.id)]);
  const base = `/${access.org.slug}`;
  const links = [
    { href: `${base}/tokens`, label: "Tokens" },
    { href: `${base}/members`, label: "Members" },
    { href: `${base}/usage`, label: "Usage" },
    ...(can(access.role, "audit:view") ? [{ href: `${base}/audit`, label: "Audit log" }] : []),
    ...(can(access.role, "incidents:manage") ? [{ href: `${base}/incidents`, label: "Incidents" }] : []),
    { href: `${base}/api`, label: "API" },
  ];
  return (
    <div className="min-h-screen">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-4 px-4 py-3">
          <Link href="/" className="text-base">
            <Logo />
          </Link>
          <OrgSwitcher current={access.org.slug} orgs={orgs} invitations={invitations.map((i) => ({ id: i.id, orgName: i.org.name }))} />
          <NavLinks links={links} />
          <div className="ml-auto flex items-center gap-3">
            <span className="text-sm text-slate-600" data-testid="signed-in-user">
              {access.user.name ?? access.user.email}{" "}
              <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600">
                {access.role === "ADMIN" ? "Admin" : "Member"}
              </span>
            </span>
            <SignOutButton />
          </div>
        </div>
      </header>
      <main className="mx-auto max-w-7xl px-4 py-6">
        {can(access.role, "incidents:manage") && <OrgAdminAlerts orgId={access.org.id} orgSlug={access.org.slug} />}
        {children}
      </main>
    </div>
  );
}
