import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { createApiStore } from "@/lib/api/create-store";
import { createApiHandler, type ApiHandler, type ApiHandlerOptions } from "@/lib/api/handler";
import type { ApiStore } from "@/lib/api/store";
import { getKeyring } from "@/lib/config/keyring";
import { db } from "@/lib/db/client";
import { resolveDatabaseTarget } from "@/lib/db/database-url";
import { newTokenRows } from "@/lib/db/token-store";
import type { QuotaWindow, Scope } from "@/lib/tokens";

export type TestApiServer = { url: string; handler: ApiHandler; store: ApiStore; close(): Promise<void> };

/** The API handler on a plain node:http server on a random loopback port, against the test database. */
export async function startApiServer(
  options: Partial<Omit<ApiHandlerOptions, "store">> & { wrapStore?: (store: ApiStore) => ApiStore } = {},
): Promise<TestApiServer> {
  const rawStore = createApiStore(resolveDatabaseTarget(process.env.DATABASE_URL));
  const store = options.wrapStore ? options.wrapStore(rawStore) : rawStore;
  const handler = createApiHandler({ store, trustedProxyHops: 0, ...options });
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handler,
    store,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.flush();
      await rawStore.close();
    },
  };
}

/** The store, with a count of every database call the handler makes through it. */
export function countingStore(inner: ApiStore): { store: ApiStore; calls: () => number } {
  let calls = 0;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "close") return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls: () => calls };
}

export type TestToken = { tokenId: string; valueId: string; value: string; createdById: string | null };

/**
 * A token written straight to the database (no audit), for tests that exercise the API with it.
 * Created by `createdById`, by default the org's first admin (so it may manage tokens).
 */
export async function insertToken(
  orgId: string,
  settings: {
    scopes?: Scope[];
    quotaMax?: number;
    quotaWindow?: QuotaWindow;
    expiresAt?: Date | null;
    name?: string;
    visibility?: "ADMIN_ONLY" | "ORGANIZATION";
    status?: "ACTIVE" | "DISABLED";
    allowedNetworks?: string[];
    /** "<service slug>/<scope>" entries (lib/domain/services/scopes.ts). */
    serviceScopes?: string[];
    createdById?: string | null;
  } = {},
): Promise<TestToken> {
  const createdById = settings.createdById !== undefined ? settings.createdById : await firstAdminOf(orgId);
  const rows = newTokenRows(getKeyring(), {
    orgId,
    name: settings.name ?? "test token",
    scopes: settings.scopes ?? [],
    visibility: settings.visibility ?? "ADMIN_ONLY",
    quotaMax: settings.quotaMax ?? 1_000,
    quotaWindow: settings.quotaWindow ?? "MONTHLY",
    expiresAt: settings.expiresAt ?? null,
    createdById,
  });
  await db.apiToken.create({
    data: {
      ...rows.token,
      status: settings.status ?? "ACTIVE",
      allowedNetworks: (settings.allowedNetworks ?? []).join(" "),
      serviceScopes: (settings.serviceScopes ?? []).join(" "),
    },
  });
  await db.apiTokenValue.create({ data: rows.value });
  return { tokenId: rows.token.id, valueId: rows.value.id, value: rows.plaintext, createdById };
}

/** The org's first admin: who test tokens are created by, so their token-management scopes work. */
export async function firstAdminOf(orgId: string): Promise<string | null> {
  const admin = await db.membership.findFirst({ where: { orgId, role: "ADMIN" }, orderBy: { createdAt: "asc" }, select: { userId: true } });
  return admin?.userId ?? null;
}

export const basicAuth = (token: string) => `Basic ${Buffer.from(`${token}:`).toString("base64")}`;

/** fetch with the token as Basic auth (what Socket clients send) and the JSON body parsed. */
export async function callApi(
  baseUrl: string,
  path: string,
  options: { token?: string; method?: string; json?: unknown; headers?: Record<string, string>; body?: BodyInit } = {},
  // Tests assert on the parsed JSON directly; its shape is what they check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers.authorization ??= basicAuth(options.token);
  let body = options.body;
  if (options.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${baseUrl}${path}`, { method: options.method ?? "GET", headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Left as text: the assertion that follows will show it.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
