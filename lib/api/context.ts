import type { z } from "zod";

import type { EndpointSpec } from "./endpoints";
import { notFound } from "./errors";
import type { reportUploadFiles } from "./schemas";
import type { ApiStore, OrgRecord, QuotaState, TokenRecord } from "./store";

export type QueryOf<E extends EndpointSpec> = E["query"] extends z.ZodType ? z.output<E["query"]> : undefined;
export type BodyOf<E extends EndpointSpec> = E["body"] extends { kind: "json"; schema: infer S extends z.ZodType }
  ? z.output<S>
  : E["body"] extends { kind: "multipart" }
    ? z.output<typeof reportUploadFiles>
    : undefined;

/** What an endpoint implementation gets: an authenticated, authorized, charged call with parsed input. */
export type ApiContext<Query = unknown, Body = unknown> = {
  token: TokenRecord;
  /** The token's quota after this call's charge. */
  quota: QuotaState;
  /** The token's organization when the charge read it (endpoints that need it; null: it is gone). */
  org?: OrgRecord | null;
  params: Record<string, string>;
  query: Query;
  body: Body;
  now: number;
  ip: string;
  userAgent: string | null;
  store: ApiStore;
  /** Scheme and host this request reached, for URLs in responses. */
  origin: string;
};

export type ApiResult = { status?: number; body: unknown; headers?: Record<string, string> };

export type Implementation<E extends EndpointSpec> = (context: ApiContext<QueryOf<E>, BodyOf<E>>) => Promise<ApiResult> | ApiResult;

/** The token's own organization when the path names it; any other slug is the same 404 as an unknown one. */
export async function requireOwnOrg(context: ApiContext): Promise<OrgRecord> {
  const org = context.org !== undefined ? context.org : await context.store.findOrg(context.token.orgId);
  if (!org || org.slug !== context.params.org) throw notFound("Organization not found.");
  return org;
}

/** The calling token as the actor of a change it makes (audited as the token, with its value and address). */
export function tokenActorOf(context: ApiContext) {
  return {
    kind: "token" as const,
    tokenId: context.token.tokenId,
    valueId: context.token.valueId,
    label: context.token.name,
    ip: context.ip,
    userAgent: context.userAgent,
  };
}
