import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";

import { PageHeader } from "@/components/shell/page-header";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ENDPOINTS, OPENAPI_PATH, type EndpointSpec } from "@/lib/api/endpoints";
import { requireOrgPage } from "@/lib/auth/org-access";
import { can } from "@/lib/auth/permissions";
import { listUsableTokens } from "@/lib/db/queries/tokens";
import { forwardedProtoOf, trustedProxyHopsFromEnv } from "@/lib/server/trusted-proxy";
import { maskToken, scopeGrants, type Scope } from "@/lib/tokens";

export const metadata: Metadata = { title: "REST API" };

type ExampleToken = { id: string; name: string; masked: string; scopes: Scope[] };

export default async function ApiPage({
  params,
  searchParams,
}: {
  params: Promise<{ orgSlug: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { orgSlug } = await params;
  const access = await requireOrgPage(orgSlug);
  const requested = (await searchParams).token;
  const now = new Date();
  // Tokens this viewer may see and copy (members: organization-visible ones), and that work now.
  const rows = await listUsableTokens(access.org.id, access.role, now);
  const tokens: ExampleToken[] = rows.map((row) => ({ id: row.id, name: row.name, masked: maskToken(row.lastFour), scopes: row.scopes }));
  const selected = tokens.find((token) => token.id === requested) ?? tokens[0] ?? null;
  const api = `${await originOf()}/v0`;

  return (
    <>
      <PageHeader
        title="REST API"
        description="Socket v0-compatible: Socket's clients and SDK work unchanged when pointed at this server. Authenticate with a token as the Basic auth user name (empty password) or as a Bearer token."
      />

      <section aria-labelledby="example-token" className="mb-8 rounded-lg border border-slate-200 bg-white p-4">
        <h2 id="example-token" className="text-base font-semibold">
          Token for the examples
        </h2>
        {selected ? (
          <>
            <form className="mt-3 flex flex-wrap items-end gap-2" method="get">
              <div className="flex flex-col gap-1">
                <label htmlFor="example-token-select" className="text-sm font-medium text-slate-700">
                  Token
                </label>
                <select
                  id="example-token-select"
                  name="token"
                  defaultValue={selected.id}
                  className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
                >
                  {tokens.map((token) => (
                    <option key={token.id} value={token.id}>
                      {token.name} ({token.masked})
                    </option>
                  ))}
                </select>
              </div>
              <Button type="submit" variant="secondary">
                Show examples
              </Button>
            </form>
            <p className="mt-3 text-sm text-slate-600">
              Scopes:{" "}
              {selected.scopes.length > 0 ? (
                <span className="inline-flex flex-wrap gap-1">
                  {selected.scopes.map((scope) => (
                    <Badge key={scope} tone="indigo">
                      {scope}
                    </Badge>
                  ))}
                </span>
              ) : (
                <span>none (quota and organization only)</span>
              )}
              <span>. Its value is never shown on this page: </span>
              <Link href={`/${access.org.slug}/tokens/${selected.id}`} className="font-medium text-indigo-700 underline">
                copy it from the token&apos;s page
              </Link>{" "}
              (copying is recorded in the audit log).
            </p>
          </>
        ) : (
          <p className="mt-2 text-sm text-slate-600">
            There is no active token you can see.{" "}
            <Link href={`/${access.org.slug}/tokens`} className="font-medium text-indigo-700 underline">
              Tokens
            </Link>{" "}
            lists the organization&apos;s tokens
            {can(access.role, "tokens:manage") ? ", and lets you create one" : "; an admin can create one or make one visible to members"}.
          </p>
        )}
      </section>

      <section aria-labelledby="curl" className="mb-8">
        <h2 id="curl" className="mb-3 text-base font-semibold">
          Examples with curl
        </h2>
        <Example
          title="Set up your shell"
          code={`export KEYWARD_TOKEN='${selected ? `<paste the value of ${selected.masked}>` : "<a token value>"}'\nexport KEYWARD_API='${api}'`}
        />
        <div className="grid gap-4 lg:grid-cols-2">
          {examples(access.org.slug).map((example) => (
            <Example key={example.title} {...example} callable={selected ? callable(selected, ENDPOINTS[example.endpoint]) : undefined} />
          ))}
        </div>
      </section>

      <section aria-labelledby="sdk" className="mb-8">
        <h2 id="sdk" className="mb-3 text-base font-semibold">
          With Socket&apos;s SDK
        </h2>
        <Example
          title="@socketsecurity/sdk"
          code={`import { SocketSdk } from "@socketsecurity/sdk";\n\nconst client = new SocketSdk(process.env.KEYWARD_TOKEN, { baseUrl: "${api}/" });\nconst quota = await client.getQuota();\nconst repos = await client.listRepositories("${access.org.slug}");`}
        />
      </section>

      <section aria-labelledby="endpoints">
        <h2 id="endpoints" className="mb-1 text-base font-semibold">
          Endpoints
        </h2>
        <p className="mb-3 text-sm text-slate-600">
          A parent scope (such as <code>report</code>) grants all of its children. Every call is charged its cost from the token&apos;s
          quota and recorded in its usage. The quota is full again at the start of each window (UTC hour, day or month);{" "}
          <code>/v0/quota</code> answers what is left and when it next refills, the same numbers as the token&apos;s page. The{" "}
          <a href={OPENAPI_PATH} className="font-medium text-indigo-700 underline">
            OpenAPI 3.1 document
          </a>{" "}
          describes every request and response.
        </p>
        <div
          tabIndex={0}
          role="region"
          aria-labelledby="endpoints"
          className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white"
        >
          <table className="min-w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs uppercase text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Endpoint
                </th>
                <th scope="col" className="px-3 py-2">
                  Scope
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Quota cost
                </th>
                {selected && (
                  <th scope="col" className="px-3 py-2">
                    {selected.name}
                  </th>
                )}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {Object.entries(ENDPOINTS).map(([id, spec]: [string, EndpointSpec]) => (
                <tr key={id}>
                  <td className="px-3 py-2">
                    <code className="font-mono text-xs">
                      {spec.method} {spec.path}
                    </code>
                    <div className="text-xs text-slate-500">{spec.summary}</div>
                  </td>
                  <td className="px-3 py-2">
                    {spec.scope ? <code className="font-mono text-xs">{spec.scope}</code> : <span className="text-slate-500">none</span>}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{spec.cost}</td>
                  {selected && (
                    <td className="px-3 py-2">
                      {callable(selected, spec) ? <Badge tone="green">allowed</Badge> : <Badge tone="gray">needs {spec.scope}</Badge>}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

type ExampleSpec = { title: string; endpoint: keyof typeof ENDPOINTS; code: string };

function examples(orgSlug: string): ExampleSpec[] {
  const auth = `-u "$KEYWARD_TOKEN:"`;
  return [
    { title: "Remaining quota (costs nothing)", endpoint: "getQuota", code: `curl ${auth} "$KEYWARD_API/quota"` },
    {
      title: "The token's organization",
      endpoint: "getOrganizations",
      code: `curl -H "Authorization: Bearer $KEYWARD_TOKEN" "$KEYWARD_API/organizations"`,
    },
    {
      title: "Repositories",
      endpoint: "getOrgRepoList",
      code: `curl ${auth} "$KEYWARD_API/orgs/${orgSlug}/repos?sort=name&direction=asc&per_page=20"`,
    },
    {
      title: "Upload manifests for a report",
      endpoint: "createReport",
      code: `curl ${auth} -X PUT "$KEYWARD_API/report/upload?repo=web&branch=main" \\\n  -F "package.json=@package.json" \\\n  -F "package-lock.json=@package-lock.json"`,
    },
    { title: "List reports", endpoint: "getReportList", code: `curl ${auth} "$KEYWARD_API/report/list?repo=web"` },
    { title: "View a report", endpoint: "getReport", code: `curl ${auth} "$KEYWARD_API/report/view/<report id>"` },
    { title: "List tokens (metadata only)", endpoint: "getAPITokens", code: `curl ${auth} "$KEYWARD_API/orgs/${orgSlug}/tokens"` },
    {
      title: "Create a token with some of this token's scopes",
      endpoint: "postAPIToken",
      code: `curl ${auth} -X POST "$KEYWARD_API/orgs/${orgSlug}/tokens" \\\n  -H "Content-Type: application/json" \\\n  -d '{"name": "ci", "scopes": ["report:read", "report:write"], "max_quota": 1000, "visibility": "admin"}'`,
    },
  ];
}

function callable(token: ExampleToken, spec: EndpointSpec): boolean {
  return spec.scope === null || scopeGrants(token.scopes, spec.scope);
}

function Example({ title, code, callable }: { title: string; code: string; callable?: boolean }) {
  const captionId = `example-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <figure className="mb-4 min-w-0 rounded-lg border border-slate-200 bg-white">
      <figcaption
        id={captionId}
        className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 px-3 py-2 text-sm font-medium"
      >
        {title}
        {callable === false && <Badge tone="amber">this token lacks the scope</Badge>}
      </figcaption>
      {/* Focusable so keyboard users can scroll a long line sideways; named by its caption. */}
      <pre
        tabIndex={0}
        role="region"
        aria-labelledby={captionId}
        className="overflow-x-auto px-3 py-2 font-mono text-xs leading-relaxed text-slate-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-500"
      >
        <code>{code}</code>
      </pre>
    </figure>
  );
}

/** This server's address as the browser reached it, for copy-pasteable examples. */
async function originOf(): Promise<string> {
  const headerList = await headers();
  const host = headerList.get("host") ?? "localhost:3000";
  const safeHost = /^[A-Za-z0-9.\-:[\]]{1,255}$/.test(host) ? host : "localhost:3000";
  const proto = forwardedProtoOf(headerList.get("x-forwarded-proto"), trustedProxyHopsFromEnv()) ?? "http";
  return `${proto}://${safeHost}`;
}
