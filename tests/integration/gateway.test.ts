import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";
import { hashTokenValue } from "@/lib/tokens/format";

import { basicAuth, callApi, insertToken, startApiServer, type TestApiServer } from "../support/api";
import { createTestOrg } from "../support/request-as";

// The gateway (/gw/<service>/<path>) on the API handler against the test database and toy
// upstreams: who gets through, what the upstream sees, what is charged and recorded.

type Received = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

const MAX_BODY_BYTES = 256;
let server: TestApiServer;
const upstreams: Server[] = [];
let received: Received[] = [];
let otherOrgReceived: Received[] = [];
let org: { id: string; slug: string };
let otherOrg: { id: string; slug: string };
let toyUrl: string;

async function startUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const upstream = http.createServer(handler);
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  upstreams.push(upstream);
  return `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
}

function recordingUpstream(into: () => Received[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      into().push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ upstream: "toy", url: req.url }));
    });
  };
}

async function insertService(
  orgId: string,
  slug: string,
  upstreamUrl: string,
  settings: {
    defaultScope?: string | null;
    disabled?: boolean;
    routes?: { method: string; pathPattern: string; scope: string; cost: number }[];
  } = {},
) {
  return db.service.create({
    data: {
      orgId,
      name: slug,
      slug,
      upstreamUrl,
      defaultScope: settings.defaultScope ?? null,
      keyHash: hashTokenValue(randomUUID()),
      keyLastFour: "abcd",
      disabledAt: settings.disabled ? new Date() : null,
      scopes: { create: ["api", "invoices", "invoices:read", "invoices:write"].map((name) => ({ name })) },
      routes: { create: (settings.routes ?? []).map((route, position) => ({ ...route, position })) },
    },
  });
}

const BILLING_ROUTES = [
  { method: "GET", pathPattern: "/invoices/*", scope: "invoices:read", cost: 1 },
  { method: "GET", pathPattern: "/invoices", scope: "invoices:read", cost: 1 },
  { method: "POST", pathPattern: "/invoices", scope: "invoices:write", cost: 2 },
  { method: "GET", pathPattern: "/public/*", scope: "api", cost: 1 },
];

/** A token of `orgId` holding these service scopes ("<slug>/<scope>"). */
async function serviceToken(orgId: string, serviceScopes: string[], settings: Parameters<typeof insertToken>[1] = {}) {
  const token = await insertToken(orgId, settings);
  await db.apiToken.update({ where: { id: token.tokenId }, data: { serviceScopes: serviceScopes.join(" ") } });
  return token;
}

/** A raw request (fetch would normalize the path and refuse some headers). */
function rawRequest(path: string, options: http.RequestOptions & { body?: string | string[] } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    // The path as given: a URL string would be normalized (WHATWG resolves ".." and "%2e%2e") before it is sent.
    const { hostname, port } = new URL(server.url);
    const req = http.request({ ...options, hostname, port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    for (const part of [options.body ?? []].flat()) req.write(part);
    req.end();
  });
}

beforeAll(async () => {
  server = await startApiServer({ gateway: { maxBodyBytes: MAX_BODY_BYTES, upstreamTimeoutMs: 200 } });
  ({ org } = await createTestOrg("gw"));
  ({ org: otherOrg } = await createTestOrg("gw-other"));
  toyUrl = await startUpstream(recordingUpstream(() => received));
  const otherToyUrl = await startUpstream(recordingUpstream(() => otherOrgReceived));
  // Never answers: the gateway's timeout decides.
  const silentUrl = await startUpstream(() => {});
  const downUrl = await startUpstream(() => {});
  await new Promise<void>((resolve) => upstreams.pop()!.close(() => resolve()));

  await insertService(org.id, "billing", `${toyUrl}/api`, { routes: BILLING_ROUTES });
  await insertService(org.id, "slow", silentUrl, { defaultScope: "api" });
  await insertService(org.id, "down", downUrl, { defaultScope: "api" });
  await insertService(org.id, "off", toyUrl, { defaultScope: "api", disabled: true });
  await insertService(otherOrg.id, "billing", otherToyUrl, { defaultScope: "api" });
  await insertService(otherOrg.id, "secret", otherToyUrl, { defaultScope: "api" });
});

afterAll(async () => {
  await server.close();
  for (const upstream of upstreams) {
    upstream.closeAllConnections();
    upstream.close();
  }
});

const gw = (path: string, options: Parameters<typeof callApi>[2] = {}) => callApi(server.url, path, options);

async function usageOf(tokenId: string) {
  await server.handler.recorder.flush();
  return db.usageEvent.findMany({
    where: { tokenId },
    orderBy: { at: "asc" },
    select: { method: true, route: true, status: true, cost: true },
  });
}

describe("forwarding", () => {
  it("forwards the call with Keyward's headers, never the token", async () => {
    const token = await serviceToken(org.id, ["billing/invoices:read", "billing/invoices:write"]);
    received = [];

    const response = await gw("/gw/billing/invoices/42?expand=lines", { token: token.value, headers: { "x-request-id": "r1" } });

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ upstream: "toy", url: "/api/invoices/42?expand=lines" });
    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call.headers.authorization).toBeUndefined();
    expect(call.headers["x-keyward-token-id"]).toBe(token.tokenId);
    expect(call.headers["x-keyward-org"]).toBe(org.slug);
    expect(call.headers["x-keyward-scopes"]).toBe("invoices:read invoices:write");
    expect(call.headers["x-request-id"]).toBe("r1");
  });

  it("takes the token as Bearer too, forwards the body and charges the route's cost", async () => {
    const token = await serviceToken(org.id, ["billing/invoices"], { quotaMax: 10 });
    received = [];

    const response = await gw("/gw/billing/invoices", {
      method: "POST",
      json: { amount: 5 },
      headers: { authorization: `Bearer ${token.value}` },
    });

    expect(response.status).toBe(200);
    expect(received.map((r) => [r.method, r.url, r.body])).toEqual([["POST", "/api/invoices", '{"amount":5}']]);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } })).quotaRemaining).toBe(8);
    expect(await usageOf(token.tokenId)).toEqual([{ method: "POST", route: "/gw/billing/invoices", status: 200, cost: 2 }]);
  });

  // A client claims another token's identity, org or scopes to the upstream.
  it("drops forged X-Keyward-* headers", async () => {
    const token = await serviceToken(org.id, ["billing/invoices:read"]);
    received = [];

    await rawRequest("/gw/billing/invoices", {
      headers: {
        authorization: basicAuth(token.value),
        "X-Keyward-Token-Id": "someone-else",
        "X-Keyward-Org": otherOrg.slug,
        "X-Keyward-Scopes": "invoices invoices:write admin",
        "X-Keyward-Client-Ip": "10.0.0.1",
      },
    });

    const [call] = received;
    expect(call.headers["x-keyward-token-id"]).toBe(token.tokenId);
    expect(call.headers["x-keyward-org"]).toBe(org.slug);
    expect(call.headers["x-keyward-scopes"]).toBe("invoices:read");
    expect(Object.keys(call.headers).filter((name) => name.startsWith("x-keyward-"))).toHaveLength(3);
  });
});

describe("refusals", () => {
  it("refuses a call without a token (401), and a token in the query or the path (401), without calling the upstream", async () => {
    const token = await serviceToken(org.id, ["billing/invoices:read"]);
    received = [];

    expect((await gw("/gw/billing/invoices")).status).toBe(401);
    // Even beside a good Authorization header: a token in a URL ends up in logs (Keyward's and the upstream's).
    expect((await gw(`/gw/billing/invoices?leak=${token.value}`, { token: token.value })).status).toBe(401);
    // A value one character off (never the value itself: it may already end in "x").
    const altered = `${token.value.slice(0, -1)}${token.value.endsWith("x") ? "y" : "x"}`;
    expect((await gw("/gw/billing/invoices", { token: altered })).status).toBe(401);
    // In the path too: it would be in the upstream's access log.
    expect((await gw(`/gw/billing/invoices/${token.value}`, { token: token.value })).status).toBe(401);
    expect(received).toHaveLength(0);
  });

  it("refuses a token without the route's scope (403), and a parent scope grants its children", async () => {
    const reader = await serviceToken(org.id, ["billing/invoices:read"]);
    const parent = await serviceToken(org.id, ["billing/invoices"]);
    received = [];

    const refused = await gw("/gw/billing/invoices", { method: "POST", json: {}, token: reader.value });
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual({ code: "missing_scope", requiredScope: "invoices:write" });
    expect(received).toHaveLength(0);
    expect((await gw("/gw/billing/invoices", { method: "POST", json: {}, token: parent.value })).status).toBe(200);
    expect(received).toHaveLength(1);
  });

  it("refuses a call no route matches when the service has no default scope (404)", async () => {
    const token = await serviceToken(org.id, ["billing/invoices"]);
    const response = await gw("/gw/billing/admin", { token: token.value });
    expect(response.status).toBe(404);
    expect(response.body.error.details).toEqual({ code: "no_route" });
  });

  it("refuses every call to a disabled service, and a service disabled after a call at once", async () => {
    const token = await serviceToken(org.id, ["off/api", "billing/invoices:read"]);
    const off = await gw("/gw/off/anything", { token: token.value });
    expect(off.status).toBe(403);
    expect(off.body.error.details).toEqual({ code: "service_disabled" });

    expect((await gw("/gw/billing/invoices", { token: token.value })).status).toBe(200);
    await db.service.updateMany({ where: { orgId: org.id, slug: "billing" }, data: { disabledAt: new Date(), version: { increment: 1 } } });
    try {
      received = [];
      expect((await gw("/gw/billing/invoices", { token: token.value })).status).toBe(403);
      expect(received).toHaveLength(0);
    } finally {
      await db.service.updateMany({ where: { orgId: org.id, slug: "billing" }, data: { disabledAt: null, version: { increment: 1 } } });
    }
    expect((await gw("/gw/billing/invoices", { token: token.value })).status).toBe(200);
  });

  // A token of one organization reaches only its own organization's services, even by the same slug.
  it("never reaches another organization's service", async () => {
    const token = await serviceToken(org.id, ["billing/api", "billing/invoices:read", "secret/api"]);
    otherOrgReceived = [];
    received = [];

    expect((await gw("/gw/secret/x", { token: token.value })).status).toBe(404);
    expect((await gw("/gw/billing/invoices", { token: token.value })).status).toBe(200);
    expect(otherOrgReceived).toHaveLength(0);
    expect(received).toHaveLength(1);
  });

  // A token good for /public/* tries to reach another route (or out of the base path) with a path the upstream would normalize.
  it.each([
    "/gw/billing/public/../invoices",
    "/gw/billing/public/%2e%2e/invoices",
    "/gw/billing/public/..;/invoices",
    "/gw/billing/public%2f..%2finvoices",
    "/gw/billing/public/%252e%252e/%252e%252e/admin",
    "/gw/billing/public\\..\\invoices",
    "/gw/billing/public/%c0%ae%c0%ae/invoices",
    "/gw/billing/public/%ef%bc%8e%ef%bc%8e/invoices",
    // Routed without regard to case by Express (its default) or IIS: /invoices/* needs invoices:read.
    "/gw/billing/Invoices/42",
    "/gw/billing/INVOICES",
  ])("refuses the path escape %s (400) without calling the upstream", async (path) => {
    const token = await serviceToken(org.id, ["billing/api"]);
    received = [];
    const response = await rawRequest(path, { headers: { authorization: basicAuth(token.value) } });
    expect(response.status, response.body).toBe(400);
    expect(JSON.parse(response.body).error.details).toEqual({ code: "unsafe_path" });
    expect(received).toHaveLength(0);
  });

  it("reads an escaped letter as the letter: the route it spells decides the scope, and the upstream gets it plain", async () => {
    const publicOnly = await serviceToken(org.id, ["billing/api"]);
    const reader = await serviceToken(org.id, ["billing/invoices:read"]);
    received = [];
    const refused = await rawRequest("/gw/billing/%69nvoices/42", { headers: { authorization: basicAuth(publicOnly.value) } });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.details).toEqual({ code: "missing_scope", requiredScope: "invoices:read" });
    expect(received).toHaveLength(0);
    const allowed = await rawRequest("/gw/billing/%69nvoices/42", { headers: { authorization: basicAuth(reader.value) } });
    expect(allowed.status).toBe(200);
    expect(received.map((call) => call.url)).toEqual(["/api/invoices/42"]);
  });

  it("refuses a body over the limit (413) without calling the upstream, declared or streamed", async () => {
    const token = await serviceToken(org.id, ["billing/invoices"]);
    received = [];
    const declared = await rawRequest("/gw/billing/invoices", {
      method: "POST",
      headers: { authorization: basicAuth(token.value), "content-length": String(MAX_BODY_BYTES + 1) },
      body: "x".repeat(MAX_BODY_BYTES + 1),
    });
    expect(declared.status).toBe(413);
    const streamed = await rawRequest("/gw/billing/invoices", {
      method: "POST",
      headers: { authorization: basicAuth(token.value) },
      body: ["x".repeat(MAX_BODY_BYTES), "y".repeat(MAX_BODY_BYTES)],
    });
    expect(streamed.status).toBe(413);
    expect(received).toHaveLength(0);
  });

  it("refuses a WebSocket upgrade clearly (501)", async () => {
    const token = await serviceToken(org.id, ["billing/invoices"]);
    const response = await rawRequest("/gw/billing/invoices", {
      headers: {
        authorization: basicAuth(token.value),
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    expect(response.status).toBe(501);
    expect(JSON.parse(response.body).error.details).toEqual({ reason: "upgrade-not-supported" });
  });
});

/** Writes `raw` on a fresh connection and reads until the server closes it (a refused request closes it). */
function rawExchange(raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url);
    const socket = net.connect(Number(port), hostname, () => socket.end(raw));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
  });
}

// A client tries to make the upstream see more than one authorized call, or what Keyward did not say.
describe("smuggling and spoofing", () => {
  it("refuses a request with both Transfer-Encoding and Content-Length (400): the call hidden in its body never reaches the upstream", async () => {
    const token = await serviceToken(org.id, ["billing/invoices"]);
    received = [];
    const hidden = "GET /api/admin HTTP/1.1\r\nHost: upstream\r\n\r\n";
    const body = `0\r\n\r\n${hidden}`;
    const answer = await rawExchange(
      "POST /gw/billing/invoices HTTP/1.1\r\nHost: keyward\r\n" +
        `Authorization: ${basicAuth(token.value)}\r\n` +
        `Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(received).toEqual([]);
    expect(await usageOf(token.tokenId)).toEqual([]);
  });

  it("refuses request headers over Node's limit (431) without calling the upstream", async () => {
    const token = await serviceToken(org.id, ["billing/invoices"]);
    received = [];
    const answer = await rawExchange(
      "GET /gw/billing/invoices HTTP/1.1\r\nHost: keyward\r\n" +
        `Authorization: ${basicAuth(token.value)}\r\nX-Padding: ${"a".repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(received).toEqual([]);
  });

  it("tells the upstream its own Host and the caller's real address, whatever the client claims", async () => {
    const token = await serviceToken(org.id, ["billing/invoices:read"]);
    received = [];
    const response = await rawRequest("/gw/billing/invoices", {
      headers: {
        authorization: basicAuth(token.value),
        host: "internal-admin.example",
        "x-forwarded-for": "10.0.0.1",
        "x-forwarded-proto": "https",
        connection: "keep-alive, x-keyward-token-id",
      },
    });
    expect(response.status).toBe(200);
    const [call] = received;
    expect(call.headers.host).toBe(new URL(toyUrl).host);
    expect(call.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(call.headers["x-forwarded-proto"]).toBe("http");
    expect(call.headers["x-forwarded-host"]).toBe("internal-admin.example");
    // Naming Keyward's header as hop-by-hop does not remove it: Keyward sets it after the client's are filtered.
    expect(call.headers["x-keyward-token-id"]).toBe(token.tokenId);
    expect(call.url).toBe("/api/invoices");
  });
  // An upstream that builds links (a password reset mailed to someone else) from X-Forwarded-Host would use the attacker's host.
  it("with KEYWARD_PUBLIC_URL set, tells the upstream that host in X-Forwarded-Host, not the Host the client sent", async () => {
    const pinned = await startApiServer({ publicUrl: "https://keyward.example.com/" });
    try {
      const token = await serviceToken(org.id, ["billing/invoices:read"]);
      received = [];
      const { hostname, port } = new URL(pinned.url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          { hostname, port, path: "/gw/billing/invoices", headers: { host: "attacker.example", authorization: basicAuth(token.value) } },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode!));
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(200);
      expect(received[0].headers["x-forwarded-host"]).toBe("keyward.example.com");
    } finally {
      await pinned.close();
    }
  });

  // Frameworks that trust these headers would run another method or path than the one Keyward checked the scope for.
  it("never lets the client override, to the upstream, the method or path its route was authorized for", async () => {
    const reader = await serviceToken(org.id, ["billing/invoices:read"]);
    received = [];
    const response = await rawRequest("/gw/billing/invoices/42", {
      headers: {
        authorization: basicAuth(reader.value),
        "x-http-method-override": "DELETE",
        "x-http-method": "DELETE",
        "x-method-override": "DELETE",
        "x-original-url": "/api/admin/export",
        "x-rewrite-url": "/api/admin/export",
      },
    });
    expect(response.status).toBe(200);
    const [call] = received;
    expect(call.method).toBe("GET");
    expect(call.url).toBe("/api/invoices/42");
    for (const name of ["x-http-method-override", "x-http-method", "x-method-override", "x-original-url", "x-rewrite-url"]) {
      expect(call.headers[name], name).toBeUndefined();
    }

    // The same override as a query parameter (Express's method-override, Laravel, Rack) is refused, not forwarded.
    received = [];
    for (const query of ["_method=DELETE", "a=1&_METHOD=delete", "_method"]) {
      const overridden = await gw(`/gw/billing/invoices/42?${query}`, { token: reader.value });
      expect(overridden.status, query).toBe(400);
      expect(overridden.body.error.details).toEqual({ code: "method_override" });
    }
    expect(received).toEqual([]);
    // A parameter that only contains the word is the upstream's own business.
    expect((await gw("/gw/billing/invoices/42?payment_method=card", { token: reader.value })).status).toBe(200);
  });
});

describe("upstream failures", () => {
  it("answers 502 when the upstream is down and 504 when it stays silent, both recorded and charged", async () => {
    const token = await serviceToken(org.id, ["down/api", "slow/api"]);

    const down = await gw("/gw/down/x", { token: token.value });
    expect(down.status).toBe(502);
    expect(down.body.error.details).toEqual({ reason: "upstream-unreachable" });
    const slow = await gw("/gw/slow/x", { token: token.value });
    expect(slow.status).toBe(504);
    expect(slow.body.error.details).toEqual({ reason: "upstream-timeout" });

    expect(await usageOf(token.tokenId)).toEqual([
      { method: "GET", route: "/gw/down/*", status: 502, cost: 1 },
      { method: "GET", route: "/gw/slow/*", status: 504, cost: 1 },
    ]);
  });
});

describe("quota", () => {
  it("is exact under concurrency: 10 of 40 concurrent calls pass, and the upstream sees exactly those", async () => {
    const token = await serviceToken(org.id, ["billing/invoices:read"], { quotaMax: 10 });
    received = [];

    const statuses = await Promise.all(
      Array.from({ length: 40 }, () => gw("/gw/billing/invoices", { token: token.value }).then((r) => r.status)),
    );

    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    expect(received).toHaveLength(10);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: token.tokenId } })).quotaRemaining).toBe(0);
  });
});
