import Link from "next/link";

/** The admins' banner on every org page: tokens reported leaked, and tokens about to expire. */
export function AdminAlerts({ leaked, expiring, orgSlug }: { leaked: number; expiring: number; orgSlug: string }) {
  if (leaked === 0 && expiring === 0) return null;
  const base = `/${orgSlug}/incidents`;
  return (
    <div className="mb-6 space-y-2" role="region" aria-label="Alerts">
      {leaked > 0 && (
        <p className="rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800" data-testid="leak-banner">
          {leaked === 1 ? "1 token was" : `${leaked} tokens were`} reported leaked by a secret scanner.{" "}
          <Link href={`${base}#leaks`} className="font-medium underline">
            Review and rotate
          </Link>
        </p>
      )}
      {expiring > 0 && (
        <p className="rounded-md border border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900" data-testid="expiry-banner">
          {expiring === 1 ? "1 token expires" : `${expiring} tokens expire`} within 7 days.{" "}
          <Link href={`${base}#expiring`} className="font-medium underline">
            See which
          </Link>
        </p>
      )}
    </div>
  );
}
