import Link from "next/link";

/** The admins' banner on every org page: tokens and service keys reported leaked, and tokens about to expire. */
export function AdminAlerts({
  leaked,
  expiring,
  leakedServiceKeys = 0,
  orgSlug,
}: {
  leaked: number;
  expiring: number;
  leakedServiceKeys?: number;
  orgSlug: string;
}) {
  if (leaked === 0 && expiring === 0 && leakedServiceKeys === 0) return null;
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
      {leakedServiceKeys > 0 && (
        <p className="rounded-md border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800" data-testid="service-key-leak-banner">
          {leakedServiceKeys === 1 ? "1 service verification key was" : `${leakedServiceKeys} service verification keys were`} reported
          leaked by a secret scanner.{" "}
          <Link href={`/${orgSlug}/services`} className="font-medium underline">
            Rotate on the Services page
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
