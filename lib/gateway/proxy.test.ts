import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";

import { createGatewayProxy, type ForwardOutcome, type GatewayLimits, type GatewayProxy } from "./proxy";

// The proxy core against a toy upstream: a gateway server that forwards everything to it with a
// fixed identity, as the gateway handler does once a call is authorized and charged.

type Received = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

const IDENTITY = { tokenId: "tok_1", org: "acme", scopes: ["invoices:read", "invoices:write"] };
const started: { close(): void }[] = [];

afterEach(() => {
  for (const item of started.splice(0)) item.close();
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  started.push({ close: () => server.close() });
  server.on("connection", (socket) => started.push({ close: () => socket.destroy() }));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** A toy upstream that records each request and answers with `answer`. */
async function toyUpstream(answer: (req: IncomingMessage, res: ServerResponse, body: string) => void = defaultAnswer) {
  const received: Received[] = [];
  const { url } = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      answer(req, res, body);
    });
  });
  return { url, received };
}

function defaultAnswer(_req: IncomingMessage, res: ServerResponse, body: string) {
  res.writeHead(201, { "Content-Type": "text/plain", "X-Upstream": "yes", "Set-Cookie": "session=evil; Path=/" });
  res.end(`echo:${body}`);
}

async function gateway(upstreamUrl: string, limits: Partial<GatewayLimits> = {}) {
  const proxy: GatewayProxy = createGatewayProxy({ maxBodyBytes: 1024, upstreamTimeoutMs: 5_000, ...limits });
  started.push({ close: () => proxy.close() });
  const outcomes: ForwardOutcome[] = [];
  const upstream = new URL(upstreamUrl);
  const { url } = await listen((req, res) => {
    const [path, search = ""] = req.url!.split("?");
    void proxy
      .forward(req, res, {
        upstream,
        path: `${upstream.pathname.replace(/\/$/, "")}${path}`,
        search,
        identity: IDENTITY,
        clientIp: "203.0.113.9",
        proto: "https",
      })
      .then((outcome) => outcomes.push(outcome));
  });
  return { url, outcomes };
}

type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** A request with full control of headers and body (fetch would add and drop some). */
function request(url: string, options: http.RequestOptions & { body?: string | string[] } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    for (const part of [options.body ?? []].flat()) req.write(part);
    req.end();
  });
}

describe("forwarding", () => {
  it("sends the method, path, query, body and headers, and streams the answer back", async () => {
    const upstream = await toyUpstream();
    const gw = await gateway(`${upstream.url}/api`);

    const response = await request(`${gw.url}/invoices/42?expand=lines&x=%20y`, {
      method: "PUT",
      headers: { "Content-Type": "application/json", "X-Request-Id": "abc" },
      body: '{"paid":true}',
    });

    expect(response.status).toBe(201);
    expect(response.body).toBe('echo:{"paid":true}');
    expect(response.headers["x-upstream"]).toBe("yes");
    expect(upstream.received).toHaveLength(1);
    const [call] = upstream.received;
    expect(call.method).toBe("PUT");
    expect(call.url).toBe("/api/invoices/42?expand=lines&x=%20y");
    expect(call.headers["content-type"]).toBe("application/json");
    expect(call.headers["x-request-id"]).toBe("abc");
    expect(call.headers.host).toBe(new URL(upstream.url).host);
    expect(gw.outcomes).toEqual([{ status: 201, kind: "answered" }]);
  });

  it("tells the upstream who called, and never passes on the caller's credentials", async () => {
    const upstream = await toyUpstream();
    const gw = await gateway(upstream.url);

    await request(`${gw.url}/x`, {
      headers: { Authorization: "Bearer kw_secret", Cookie: "authjs.session-token=dashboard-session", "Proxy-Authorization": "Basic x" },
    });

    const [call] = upstream.received;
    expect(call.headers["x-keyward-token-id"]).toBe("tok_1");
    expect(call.headers["x-keyward-org"]).toBe("acme");
    expect(call.headers["x-keyward-scopes"]).toBe("invoices:read invoices:write");
    expect(call.headers.authorization).toBeUndefined();
    expect(call.headers.cookie).toBeUndefined();
    expect(call.headers["proxy-authorization"]).toBeUndefined();
    expect(call.headers["x-forwarded-for"]).toBe("203.0.113.9");
    expect(call.headers["x-forwarded-proto"]).toBe("https");
  });

  // An attacker with a low-privilege token claims another identity, scope or address to the upstream.
  it("drops forged X-Keyward-*, forwarding and hop-by-hop headers", async () => {
    const upstream = await toyUpstream();
    const gw = await gateway(upstream.url);

    await request(`${gw.url}/x`, {
      headers: {
        "X-Keyward-Token-Id": "tok_admin",
        "x-keyward-org": "other-org",
        "X-KEYWARD-SCOPES": "admin",
        "X-Keyward-Client-Ip": "10.0.0.1",
        "X-Keyward-Anything": "1",
        "X-Forwarded-For": "10.0.0.1",
        "X-Forwarded-Host": "internal",
        Forwarded: "for=10.0.0.1",
        "X-Real-IP": "10.0.0.1",
        Connection: "keep-alive, X-Secret-Hop",
        "X-Secret-Hop": "1",
        TE: "trailers",
      },
    });

    const [call] = upstream.received;
    expect(call.headers["x-keyward-token-id"]).toBe("tok_1");
    expect(call.headers["x-keyward-org"]).toBe("acme");
    expect(call.headers["x-keyward-scopes"]).toBe("invoices:read invoices:write");
    const keywardHeaders = Object.keys(call.headers).filter((name) => name.startsWith("x-keyward-"));
    expect(keywardHeaders.sort()).toEqual(["x-keyward-org", "x-keyward-scopes", "x-keyward-token-id"]);
    expect(call.headers["x-forwarded-for"]).toBe("203.0.113.9");
    expect(call.headers["x-forwarded-host"]).not.toBe("internal");
    expect(call.headers.forwarded).toBeUndefined();
    expect(call.headers["x-real-ip"]).toBeUndefined();
    expect(call.headers["x-secret-hop"]).toBeUndefined();
    expect(call.headers.te).toBeUndefined();
  });

  // An upstream (any org admin can register one) answers on Keyward's origin: it must not reach the dashboard's session.
  it("keeps the upstream from setting cookies on Keyward's origin or scripting it", async () => {
    const upstream = await toyUpstream((_req, res) => {
      res.writeHead(200, {
        "Content-Type": "text/html",
        "Set-Cookie": ["authjs.session-token=attacker; Path=/", "b=2"],
        "Clear-Site-Data": '"cookies"',
        "Content-Security-Policy": "default-src 'self'",
      });
      res.end("<script>fetch('/api/steal')</script>");
    });
    const gw = await gateway(upstream.url);

    const response = await request(`${gw.url}/page`);

    expect(response.status).toBe(200);
    expect(response.headers["set-cookie"]).toBeUndefined();
    expect(response.headers["clear-site-data"]).toBeUndefined();
    expect(response.headers["content-security-policy"]).toContain("sandbox");
    expect(response.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("streams a request body to the upstream as it arrives", async () => {
    let firstChunkArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (firstChunkArrived = resolve));
    const { url: upstreamUrl } = await listen((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
        firstChunkArrived();
      });
      req.on("end", () => res.end(`got:${body}`));
    });
    const gw = await gateway(upstreamUrl);

    const answer = new Promise<string>((resolve, reject) => {
      const req = http.request(`${gw.url}/upload`, { method: "POST" }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.write("first,");
      // A buffering gateway would hold the first part until the body ends: this wait would never end.
      void arrived.then(() => req.end("second"));
    });

    expect(await answer).toBe("got:first,second");
  });
});

describe("limits and failures", () => {
  it("refuses a body declared over the limit with 413, without calling the upstream", async () => {
    const upstream = await toyUpstream();
    const gw = await gateway(upstream.url, { maxBodyBytes: 10 });

    const response = await request(`${gw.url}/upload`, { method: "POST", headers: { "Content-Length": "11" }, body: "x".repeat(11) });

    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({
      error: { message: expect.stringContaining("at most 10 bytes"), details: { limitBytes: 10 } },
    });
    expect(upstream.received).toHaveLength(0);
    expect(gw.outcomes).toEqual([{ status: 413, kind: "too-large" }]);
  });

  it("cuts a streamed body at the limit with 413, and the upstream never sees it whole", async () => {
    const upstream = await toyUpstream();
    const gw = await gateway(upstream.url, { maxBodyBytes: 10 });

    const response = await request(`${gw.url}/upload`, { method: "POST", body: ["x".repeat(8), "y".repeat(8)] });

    expect(response.status).toBe(413);
    expect(upstream.received).toHaveLength(0);
    expect(gw.outcomes).toEqual([{ status: 413, kind: "too-large" }]);
  });

  it("answers 504 in Keyward's error shape when the upstream stays silent past the timeout", async () => {
    const { url: upstreamUrl } = await listen(() => {
      // Never answers.
    });
    const gw = await gateway(upstreamUrl, { upstreamTimeoutMs: 50 });

    const response = await request(`${gw.url}/slow`);

    expect(response.status).toBe(504);
    expect(JSON.parse(response.body)).toEqual({
      error: { message: "The service did not answer in time.", details: { reason: "upstream-timeout" } },
    });
    expect(gw.outcomes).toEqual([{ status: 504, kind: "timeout" }]);
  });

  it("answers 502 when the upstream cannot be reached", async () => {
    const { server, url: upstreamUrl } = await listen(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const gw = await gateway(upstreamUrl);

    const response = await request(`${gw.url}/x`);

    expect(response.status).toBe(502);
    expect(JSON.parse(response.body)).toEqual({
      error: { message: "The service could not be reached.", details: { reason: "upstream-unreachable" } },
    });
    expect(gw.outcomes).toEqual([{ status: 502, kind: "unreachable" }]);
  });

  // An org admin points a service at the cloud's metadata service to read the instance's credentials through Keyward.
  it.each(["http://169.254.169.254/latest/meta-data", "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/"])(
    "refuses the link-local upstream %s with 502 before connecting",
    async (upstreamUrl) => {
      const gw = await gateway(upstreamUrl);

      const response = await request(`${gw.url}/x`);

      expect(response.status).toBe(502);
      expect(JSON.parse(response.body).error.details).toEqual({ reason: "upstream-forbidden" });
    },
  );

  it("reaches an upstream named by host name (looked up, then checked)", async () => {
    const upstream = await toyUpstream();
    const gw = await gateway(upstream.url.replace("127.0.0.1", "localhost"));

    expect((await request(`${gw.url}/x`)).status).toBe(201);
  });

  it("reuses connections to the upstream", async () => {
    const sockets = new Set<unknown>();
    const { server, url: upstreamUrl } = await listen((_req, res) => res.end("ok"));
    server.on("connection", (socket) => sockets.add(socket));
    const gw = await gateway(upstreamUrl);

    for (let i = 0; i < 5; i++) expect((await request(`${gw.url}/x`)).status).toBe(200);

    expect(sockets.size).toBe(1);
  });
});
