// A small typed client for Keyward's verify API (POST /v1/verify), for services written in
// TypeScript. No dependencies beyond the platform's fetch (Node 18+, browsers, edge runtimes);
// copy this file into your service. docs/protect-your-api.md shows it in Express and Next.js.

export type VerifyRefusalCode =
  | "unknown"
  | "revoked"
  | "disabled"
  | "expired"
  | "replaced"
  | "outside_networks"
  | "missing_scope"
  | "quota_exhausted"
  | "service_disabled";

export type VerifyResult =
  | {
      valid: true;
      token: { id: string; name: string; org: string };
      /** The scopes of this service the token holds. */
      scopes: string[];
      quota: { remaining: number; max: number; resetsAt: string };
      expiresAt: string | null;
    }
  | { valid: false; code: VerifyRefusalCode; message: string; quota?: { remaining: number; max: number; resetsAt: string } };

export type VerifyOptions = {
  /** Where Keyward runs, e.g. "https://keyward.example.com". */
  baseUrl: string;
  /** The service's verification key (kws_…), from the Services page. */
  serviceKey: string;
  /** The token the caller presented (kw_…). */
  token: string;
  /** The service's own scope the call needs, e.g. "invoices:read". */
  scope: string;
  /** Quota units to charge; 0 checks without charging. Default 1. */
  cost?: number;
  /** How the call appears in the token's usage, e.g. "GET /invoices/:id"; the scope when absent. */
  route?: string;
  /** The caller's address: required for tokens limited to networks. */
  ip?: string;
  signal?: AbortSignal;
  fetch?: typeof fetch;
};

/** Keyward answered with an error (a bad service key is 401, a bad request 400): not a verdict on the token. */
export class KeywardVerifyError extends Error {
  override name = "KeywardVerifyError";
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }
}

/** Asks Keyward whether `token` may make a call needing `scope`, charging `cost`. A refused token is `{ valid: false, code }`, not an error. */
export async function verifyToken(options: VerifyOptions): Promise<VerifyResult> {
  const { baseUrl, serviceKey, token, scope, cost = 1, route, ip, signal } = options;
  const doFetch = options.fetch ?? fetch;
  const response = await doFetch(new URL("/v1/verify", baseUrl), {
    method: "POST",
    headers: { authorization: `Bearer ${serviceKey}`, "content-type": "application/json" },
    body: JSON.stringify({ token, scope, cost, ...(route ? { route } : {}), ...(ip ? { ip } : {}) }),
    signal,
  });
  const body = (await response.json().catch(() => null)) as VerifyResult | { error?: { message?: string; details?: unknown } } | null;
  if (response.status === 200 && body && "valid" in body) return body;
  const error = body && "error" in body ? body.error : undefined;
  throw new KeywardVerifyError(response.status, error?.message ?? `Keyward answered ${response.status}`, error?.details ?? null);
}

/** The HTTP status a service should answer a refusal with: 429 for quota, 403 for a missing scope, 401 otherwise. */
export function statusForRefusal(code: VerifyRefusalCode): 401 | 403 | 429 | 503 {
  if (code === "quota_exhausted") return 429;
  if (code === "missing_scope" || code === "outside_networks") return 403;
  if (code === "service_disabled") return 503;
  return 401;
}

/** The token from `Authorization: Bearer kw_…` (or Basic with the token as user name, as Socket clients send), or null. */
export function tokenFromRequestHeader(header: string | null | undefined): string | null {
  if (!header) return null;
  const [scheme, credentials] = header.trim().split(/\s+/, 2);
  if (!credentials) return null;
  if (scheme?.toLowerCase() === "bearer") return credentials;
  if (scheme?.toLowerCase() === "basic") {
    const decoded = atob(credentials);
    const colon = decoded.indexOf(":");
    return colon > 0 ? decoded.slice(0, colon) : null;
  }
  return null;
}
