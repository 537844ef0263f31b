"use client";

import { useRef, useState } from "react";

import { RelativeTime } from "@/components/format/relative-time";
import { STATUS_BADGES, VISIBILITY_LABELS } from "@/components/tokens/labels";
import { NewTokenValue } from "@/components/tokens/new-token-value";
import { ScopeBadges } from "@/components/tokens/scope-badges";
import { useFormAction } from "@/components/tokens/use-form-action";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { FieldErrors, FormMessage } from "@/components/ui/field";
import { lookupTokenAction, quickDisableAction, quickRotateAction } from "@/lib/actions/incidents";
import type { LookupKind, LookupMatch, LookupResult, ServiceKeyMatch } from "@/lib/db/incidents";

import { EndGraceButton } from "./incident-buttons";

const VALUE_STATES: Record<LookupMatch["value"]["state"], string> = {
  current: "This is the token's current value.",
  grace: "This is an old value, replaced by a rotation and still working until its grace period ends.",
  ended: "This is an old value that no longer works.",
};

const MISS_MESSAGES: Record<LookupKind, Record<"checksum" | "not-found", string>> = {
  token: {
    checksum: "not a valid Keyward token: the checksum does not match (a typo or a truncated copy).",
    "not-found": "no token with this value in the organizations you administer.",
  },
  "service-key": {
    checksum: "not a valid service verification key: the checksum does not match (a typo or a truncated copy).",
    "not-found": "no service's current verification key in the organizations you administer (a rotated or revoked key is not kept).",
  },
};

/** "Which token is this?": paste text, see each Keyward token in it and act on it at once. */
export function LookupForm({ orgSlug }: { orgSlug: string }) {
  const { state, pending, onSubmit } = useFormAction(lookupTokenAction);
  const results = state?.ok ? (state.data?.results ?? []) : [];
  const formRef = useRef<HTMLFormElement>(null);
  // After acting on a result, look the same text up again so the cards show the token as it is now.
  const lookUpAgain = () => formRef.current?.requestSubmit();
  return (
    <div className="space-y-6">
      <form ref={formRef} onSubmit={onSubmit} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
        <input type="hidden" name="orgSlug" value={orgSlug} />
        <label htmlFor="lookup-text" className="text-sm font-medium text-slate-700">
          Text that contains a token or a service key (a log line, a file, a commit)
        </label>
        <textarea
          id="lookup-text"
          name="text"
          rows={5}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={state?.errors?.text ? true : undefined}
          aria-describedby="lookup-text-error"
          className="w-full rounded-md border border-slate-300 px-3 py-2 font-mono text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
        />
        <FieldErrors id="lookup-text-error" errors={state?.errors?.text} />
        <p className="text-xs text-slate-500">
          Checksums are checked first, so typos are caught without a lookup. Only organizations you administer are searched; every lookup is
          recorded in the audit log.
        </p>
        <div className="flex justify-end">
          <Button type="submit" disabled={pending}>
            {pending ? "Looking up…" : "Look up"}
          </Button>
        </div>
      </form>
      {results.length > 0 && (
        <ul className="space-y-4" aria-label="Lookup results">
          {results.map((result, index) => (
            <li key={`${result.candidate}-${index}`}>
              <ResultCard result={result} onChanged={lookUpAgain} />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ResultCard({ result, onChanged }: { result: LookupResult; onChanged: () => void }) {
  if (!result.found) {
    return (
      <div className="rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="lookup-miss">
        <span className="font-mono">{result.candidate}</span>: {MISS_MESSAGES[result.kind][result.reason]}
      </div>
    );
  }
  if (result.kind === "service-key") return <ServiceKeyCard result={result} />;
  const { token, org, value } = result;
  const status = STATUS_BADGES[token.status];
  return (
    <div className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="lookup-match">
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-mono">{result.candidate}</span>
        <a href={`/${org.slug}/tokens/${token.id}`} className="text-base font-semibold text-indigo-700 hover:underline">
          {token.name}
        </a>
        <span className="text-slate-600">in {org.name}</span>
        <Badge tone={status.tone}>{status.label}</Badge>
        {token.leakReportedAt && <Badge tone="red">Reported leaked</Badge>}
      </div>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-slate-700" data-testid="lookup-value-state">
          {VALUE_STATES[value.state]}
        </p>
        {/* The pasted value is a replaced one that still works: stop it right here. */}
        {value.state === "grace" && <EndGraceButton orgSlug={org.slug} tokenId={token.id} tokenName={token.name} onDone={onChanged} />}
      </div>
      <dl className="grid gap-x-6 gap-y-2 sm:grid-cols-2">
        <div>
          <dt className="text-xs uppercase tracking-wide text-slate-500">Scopes</dt>
          <dd>
            <ScopeBadges scopes={token.scopes} />
          </dd>
        </div>
        <div>
          <dt className="text-xs uppercase tracking-wide text-slate-500">Visibility</dt>
          <dd>{VISIBILITY_LABELS[token.visibility]}</dd>
        </div>
        <div>
          <dt className="text-xs uppercase tracking-wide text-slate-500">Last used</dt>
          <dd>
            <RelativeTime date={token.lastUsedAt} />
            {token.lastUsedIp && <span className="text-slate-500"> from {token.lastUsedIp}</span>}
          </dd>
        </div>
        <div>
          <dt className="text-xs uppercase tracking-wide text-slate-500">Revealed by</dt>
          <dd>
            {result.revealedBy.length === 0
              ? "Nobody has revealed or copied it."
              : result.revealedBy.map((r) => (
                  <div key={r.label}>
                    {r.label} ({r.times}×, last <RelativeTime date={r.lastAt} />)
                  </div>
                ))}
          </dd>
        </div>
      </dl>
      {token.status !== "REVOKED" && (
        <QuickActions orgSlug={org.slug} tokenId={token.id} disabled={token.status === "DISABLED"} onChanged={onChanged} />
      )}
    </div>
  );
}

/** A service's verification key: it only lets that service verify tokens (POST /v1/verify), so the remedy is rotating the key. */
function ServiceKeyCard({ result }: { result: ServiceKeyMatch }) {
  const { org, service } = result;
  return (
    <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="lookup-service-key">
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-mono">{result.candidate}</span>
        <span className="text-base font-semibold">Verification key of service {service.name}</span>
        <span className="text-slate-600">
          ({service.slug}) in {org.name}
        </span>
        {service.disabledAt && <Badge tone="gray">Service disabled</Badge>}
        {service.keyLeakReportedAt && <Badge tone="red">Reported leaked</Badge>}
      </div>
      <p className="text-slate-700">
        This is not an API token: it is the service&apos;s current key for verifying tokens. Whoever holds it can ask Keyward to verify (and
        charge) tokens of {org.name} for this service. Rotate it on the{" "}
        <a href={`/${org.slug}/services`} className="text-indigo-700 hover:underline">
          Services page
        </a>{" "}
        and give the service its new key.
      </p>
    </div>
  );
}

function QuickActions({
  orgSlug,
  tokenId,
  disabled,
  onChanged,
}: {
  orgSlug: string;
  tokenId: string;
  disabled: boolean;
  onChanged: () => void;
}) {
  const rotate = useFormAction(quickRotateAction, onChanged);
  const disable = useFormAction(quickDisableAction, onChanged);
  const [showValue, setShowValue] = useState(true);
  const rotated = rotate.state?.ok ? rotate.state.data : undefined;
  return (
    <div className="space-y-3 border-t border-slate-100 pt-3">
      <div className="flex flex-wrap items-end gap-3">
        <form onSubmit={rotate.onSubmit} className="flex items-end gap-2">
          <input type="hidden" name="orgSlug" value={orgSlug} />
          <input type="hidden" name="tokenId" value={tokenId} />
          <label className="flex flex-col gap-1 text-xs text-slate-600">
            Old value keeps working for
            <select name="graceHours" defaultValue="0" className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
              <option value="0">no time (stops at once)</option>
              <option value="1">1 hour</option>
              <option value="24">24 hours</option>
            </select>
          </label>
          <Button type="submit" disabled={rotate.pending}>
            {rotate.pending ? "Rotating…" : "Rotate"}
          </Button>
        </form>
        {!disabled && (
          <form onSubmit={disable.onSubmit}>
            <input type="hidden" name="orgSlug" value={orgSlug} />
            <input type="hidden" name="tokenId" value={tokenId} />
            <Button type="submit" variant="danger" disabled={disable.pending || disable.state?.ok}>
              {disable.pending ? "Disabling…" : "Disable"}
            </Button>
          </form>
        )}
      </div>
      <FormMessage message={rotate.state?.ok ? undefined : rotate.state?.message} />
      <FormMessage message={disable.state?.message} ok={disable.state?.ok} />
      {rotated && showValue && (
        <NewTokenValue
          name={rotated.name}
          value={rotated.value}
          previousValueValidUntil={rotated.previousValueValidUntil}
          rotated
          visibility={rotated.visibility}
          onDone={() => setShowValue(false)}
        />
      )}
    </div>
  );
}
