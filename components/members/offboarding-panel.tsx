import { RelativeTime } from "@/components/format/relative-time";
import type { Departure } from "@/lib/db/queries/members";

import { ExposedTokenList } from "./exposed-token-list";
import { RotateExposedForm } from "./rotate-exposed-form";

/** People who are gone but still know values of live tokens, until those tokens are rotated. */
export function OffboardingPanel({ orgSlug, departures }: { orgSlug: string; departures: Departure[] }) {
  return (
    <section aria-labelledby="offboarding-heading" className="rounded-lg border border-amber-300 bg-amber-50 p-4">
      <h2 id="offboarding-heading" className="text-base font-semibold text-amber-900">
        Offboarding: tokens known to people who left
      </h2>
      <p className="mb-3 text-sm text-amber-900">
        They revealed, copied, created or rotated these tokens, and nobody has rotated them since. Rotate them so the values they saw stop
        working.
      </p>
      <ul className="space-y-4">
        {departures.map((d) => (
          <li key={d.userId} className="space-y-2 rounded-md bg-white p-3" aria-label={`Offboarding ${d.email}`}>
            <p className="text-sm">
              <strong>{d.email}</strong> {d.how === "left" ? "left" : "was removed"} <RelativeTime date={d.at} />.
            </p>
            <ExposedTokenList tokens={d.tokens} />
            <RotateExposedForm orgSlug={orgSlug} userId={d.userId} count={d.tokens.length} />
          </li>
        ))}
      </ul>
    </section>
  );
}
