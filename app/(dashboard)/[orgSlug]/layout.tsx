import Link from "next/link";

import { RenderedAtProvider } from "@/components/format/relative-time";
import { ServiceCatalogProvider } from "@/components/services/service-catalog";
import { KeyboardShortcuts } from "@/components/shell/keyboard-shortcuts";
import { Logo } from "@/components/shell/logo";
import { MobileMenu } from "@/components/shell/mobile-menu";
import { NavLinks } from "@/components/shell/nav-links";
import { NavigationProgress } from "@/components/shell/navigation-progress";
import { OrgSwitcher } from "@/components/shell/org-switcher";
import { SignOutButton } from "@/components/shell/sign-out-button";
import { ThemeSelect } from "@/components/shell/theme";
import { listUserOrgs, requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { listInvitationsForUser } from "@/lib/db/queries/members";
import { listServiceScopeCatalog } from "@/lib/db/queries/services";

import { OrgAdminAlerts } from "./admin-alerts";
import { OrgWebhookAlerts } from "./webhook-alerts";

export default async function OrgLayout({ children, params }: { children: React.ReactNode; params: Promise<{ orgSlug: string }> }) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  const [orgs, invitations, serviceCatalog] = await Promise.all([
    listUserOrgs(access.user.id),
    listInvitationsForUser(access.user.id),
    // The token forms' service scopes: only those who create and edit tokens need them.
    can(access.role, "tokens:manage") ? listServiceScopeCatalog(access.org.id) : [],
  ]);
  const base = `/${access.org.slug}`;
  const links = [
    { href: `${base}/tokens`, label: "Tokens" },
    { href: `${base}/members`, label: "Members" },
    { href: `${base}/usage`, label: "Usage" },
    { href: `${base}/repos`, label: "Repositories" },
    ...(can(access.role, "audit:view") ? [{ href: `${base}/audit`, label: "Audit log" }] : []),
    ...(can(access.role, "incidents:manage") ? [{ href: `${base}/incidents`, label: "Incidents" }] : []),
    ...(can(access.role, "services:manage") ? [{ href: `${base}/services`, label: "Services" }] : []),
    ...(can(access.role, "webhooks:manage") ? [{ href: `${base}/webhooks`, label: "Webhooks" }] : []),
    { href: `${base}/api`, label: "API" },
  ];
  // Rendered in the wide header and again in the phone menu; only the first carries the test id.
  const signedInUser = (testId?: string) => (
    <span className="text-sm text-slate-600" data-testid={testId}>
      {access.user.name ?? access.user.email}{" "}
      <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-700">
        {access.role === "ADMIN" ? "Admin" : "Member"}
      </span>
    </span>
  );
  // Relative times in client components start from this moment, so server HTML and hydration agree.
  const renderedAt = new Date().getTime();
  return (
    <RenderedAtProvider at={renderedAt}>
      <NavigationProgress />
      <div className="min-h-screen">
        <a
          href="#main"
          className="sr-only rounded-md bg-white px-3 py-2 text-sm font-medium text-indigo-700 shadow focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50"
        >
          Skip to content
        </a>
        <header className="relative border-b border-slate-200 bg-white">
          <div className="mx-auto flex max-w-7xl items-center gap-3 px-4 py-3 lg:flex-wrap lg:gap-4">
            <Link href="/" className="shrink-0 text-base">
              <Logo />
            </Link>
            <div className="min-w-0">
              <OrgSwitcher
                current={access.org.slug}
                orgs={orgs}
                invitations={invitations.map((i) => ({ id: i.id, orgName: i.org.name }))}
              />
            </div>
            <div className="hidden lg:block">
              <NavLinks links={links} />
            </div>
            <div className="ml-auto hidden items-center gap-3 lg:flex">
              {signedInUser("signed-in-user")}
              <ThemeSelect />
              <SignOutButton />
            </div>
            <div className="ml-auto lg:hidden">
              <MobileMenu>
                <NavLinks links={links} vertical />
                <div className="mt-3 flex flex-wrap items-center justify-between gap-3 border-t border-slate-200 pt-3">
                  {signedInUser()}
                  <ThemeSelect />
                  <SignOutButton />
                </div>
              </MobileMenu>
            </div>
          </div>
        </header>
        <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 focus:outline-none">
          {can(access.role, "incidents:manage") && <OrgAdminAlerts orgId={access.org.id} orgSlug={access.org.slug} />}
          {can(access.role, "webhooks:manage") && <OrgWebhookAlerts orgId={access.org.id} orgSlug={access.org.slug} />}
          <ServiceCatalogProvider catalog={serviceCatalog}>{children}</ServiceCatalogProvider>
        </main>
        <KeyboardShortcuts canCreateToken={can(access.role, "tokens:manage")} />
      </div>
    </RenderedAtProvider>
  );
}
