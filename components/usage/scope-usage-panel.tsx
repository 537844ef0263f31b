import { Badge } from "@/components/ui/badge";
import type { TokenScopeUsage } from "@/lib/db/queries/usage";

import { NarrowScopesForm } from "./narrow-scopes-form";

/** Granted scopes against the ones the token's calls needed, with a suggestion to narrow (one click for admins). */
export function ScopeUsagePanel({
  usage,
  orgSlug,
  tokenId,
  version,
  canManage,
  editable,
}: {
  usage: TokenScopeUsage;
  orgSlug: string;
  tokenId: string;
  version: number;
  canManage: boolean;
  /** False for a revoked token: there is nothing left to narrow. */
  editable: boolean;
}) {
  const since = usage.since.toISOString().slice(0, 10);
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="scope-usage-heading">
      <h3 id="scope-usage-heading" className="text-sm font-medium text-slate-900">
        Scopes granted vs. used
      </h3>
      <p className="mt-0.5 text-xs text-slate-500">
        From {usage.countedRequests.toLocaleString("en")} authorized request{usage.countedRequests === 1 ? "" : "s"} since {since} (UTC).
      </p>
      {usage.granted.length === 0 ? (
        <p className="mt-3 text-sm text-slate-600">This token has no scopes; it can only read its own quota and organization.</p>
      ) : (
        <ul className="mt-3 space-y-1.5 text-sm">
          {usage.granted.map((grant) => (
            <li key={grant.scope} className="flex flex-wrap items-center gap-2">
              <code className="font-mono text-xs">{grant.scope}</code>
              {grant.used ? <Badge tone="green">used</Badge> : <Badge tone="amber">unused</Badge>}
              {grant.usedChildren.length > 0 && <span className="text-xs text-slate-500">needed: {grant.usedChildren.join(", ")}</span>}
            </li>
          ))}
        </ul>
      )}
      {usage.used.length > 0 && (
        <p className="mt-3 text-xs text-slate-500">
          Needed by its calls: <span className="font-mono">{usage.used.join(" ")}</span>
        </p>
      )}
      {usage.keptForDelegation && (
        <p className="mt-2 text-xs text-slate-500">
          This token manages tokens through the API, which only works within its own scopes, so its other scopes are kept.
        </p>
      )}
      <Suggestion usage={usage} canManage={canManage && editable} />
      {/* Always rendered for admins, so its message outlives the suggestion it just applied. */}
      {canManage && editable && (
        <NarrowScopesForm
          orgSlug={orgSlug}
          tokenId={tokenId}
          version={version}
          scopes={usage.countedRequests > 0 ? usage.suggestion : null}
        />
      )}
    </section>
  );
}

function Suggestion({ usage, canManage }: { usage: TokenScopeUsage; canManage: boolean }) {
  if (usage.countedRequests === 0) {
    return usage.granted.length > 0 ? (
      <p className="mt-3 text-sm text-slate-600">
        No authorized calls in this period, so there is nothing to compare. A token nobody uses is better disabled.
      </p>
    ) : null;
  }
  if (!usage.suggestion) return <p className="mt-3 text-sm text-slate-600">Every granted scope was needed.</p>;
  const shown = usage.suggestion.length > 0 ? usage.suggestion.join(" ") : "(no scopes)";
  return (
    <div className="mt-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900">
      <p>
        Suggestion: narrow the scopes to <code className="font-mono">{shown}</code>.
      </p>
      {!canManage && <p className="mt-1 text-xs">An organization admin can apply this.</p>}
    </div>
  );
}
