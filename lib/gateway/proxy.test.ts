import { randomBytes } from "node:crypto";
import dns from "node:dns";
import http, { type IncomingMessage, type Server, type ServerResponse } from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";

import { createGatewayProxy, forwardedResponseHeaders, type ForwardOutcome, type GatewayLimits, type GatewayProxy } from "./proxy";

// The proxy core against a toy upstream: a gateway server that forwards everything to it with a
// fixed identity, as the gateway handler does once a call is authorized and charged.

type Received = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };

const IDENTITY = { tokenId: "tok_1", org: "acme", scopes: ["invoices:read", "invoices:write"] };
const started: { close(): void }[] = [];

afterEach(() => {
  for (const item of started.splice(0)) item.close();
  vi.restoreAllMocks();
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
        serviceSlug: "billing",
        path: `${upstream.pathname.replace(/\/$/, "")}${path}`,
        search,
        identity: IDENTITY,
        clientIp: "203.0.113.9",
        proto: "https",
        forwardedHost: req.headers.host,
      })
      .then((outcome) => outcomes.push(outcome));
  });
  return { url, outcomes };
}

type LookupCallback = (error: Error | null, addresses: dns.LookupAddress[]) => void;

/** Makes dns.lookup answer `hostname` with `answer`; other names (the test servers' own) resolve as usual. */
function lookupAnswers(hostname: string, answer: (callback: LookupCallback) => void) {
  const lookup = dns.lookup;
  vi.spyOn(dns, "lookup").mockImplementation(((name: string, ...rest: unknown[]) => {
    if (name !== hostname) return (lookup as (...args: unknown[]) => void)(name, ...rest);
    answer(rest.at(-1) as LookupCallback);
  }) as typeof dns.lookup);
}

type RawResponse = { status: number; headers: http.IncomingHttpHeaders; body: string };

/** A request with full control of headers and body (fetch would add and drop some). */
/** A request and its whole answer; `send` writes the body its own way (in parts, stalling…) instead of `body`. */
function request(
  url: string,
  options: http.RequestOptions & { body?: string | string[]; send?: (req: http.ClientRequest) => void } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    if (options.send) return options.send(req);
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

  // Headers a browser keeps for the whole origin, for months: an upstream must not set them for Keyward's.
  it("keeps the upstream from setting origin-wide policies: HSTS, error reporting, alternative services", async () => {
    const upstream = await toyUpstream((_req, res) => {
      res.writeHead(200, {
        "Content-Type": "text/plain",
        // max-age=0 would erase Keyward's own HSTS in the caller's browser.
        "Strict-Transport-Security": "max-age=0; includeSubDomains",
        // Network Error Logging: the browser would report its later requests to Keyward (their URLs) to the upstream's collector.
        NEL: '{"report_to":"collector","max_age":31536000,"include_subdomains":true,"success_fraction":1.0}',
        "Report-To": '{"group":"collector","max_age":31536000,"endpoints":[{"url":"https://collector.example/r"}]}',
        "Alt-Svc": 'h3=":4433"; ma=2592000',
      });
      res.end("ok");
    });
    const gw = await gateway(upstream.url);

    const response = await request(`${gw.url}/page`);

    expect(response.status).toBe(200);
    expect(response.body).toBe("ok");
    for (const name of ["strict-transport-security", "nel", "report-to", "alt-svc"]) expect(response.headers[name], name).toBeUndefined();
  });

  // The client's credentials never reach the upstream, so its challenge cannot be answered; in a browser
  // it would open a password prompt on Keyward's origin, worded by the upstream.
  it("drops the upstream's WWW-Authenticate challenge, and passes its 401 on", async () => {
    const upstream = await toyUpstream((_req, res) => {
      res.writeHead(401, {
        "Content-Type": "text/plain",
        "WWW-Authenticate": 'Basic realm="Keyward: your session expired, sign in again"',
      });
      res.end("sign in");
    });
    const gw = await gateway(upstream.url);

    const response = await request(`${gw.url}/login`);

    expect(response.status).toBe(401);
    expect(response.body).toBe("sign in");
    expect(response.headers["www-authenticate"]).toBeUndefined();
  });

  it("drops the upstream's hop-by-hop headers, those its Connection names included", async () => {
    const upstream = await toyUpstream((_req, res) => {
      res.writeHead(200, {
        "Content-Type": "text/plain",
        Connection: "keep-alive, X-Upstream-Hop",
        "X-Upstream-Hop": "internal detail",
        "Keep-Alive": "timeout=600, max=100000",
        "Proxy-Authenticate": 'Basic realm="upstream proxy"',
        Trailer: "X-Checksum",
        "X-Kept": "yes",
      });
      res.end("ok");
    });
    const gw = await gateway(upstream.url);

    const response = await request(`${gw.url}/page`);

    expect(response.headers["x-kept"]).toBe("yes");
    expect(response.headers["x-upstream-hop"]).toBeUndefined();
    expect(response.headers["proxy-authenticate"]).toBeUndefined();
    expect(response.headers.trailer).toBeUndefined();
    // Node's server states its own keep-alive for the client's connection, never the upstream's.
    expect(response.headers["keep-alive"]).not.toBe("timeout=600, max=100000");
  });

  it.each([
    ["a hop-by-hop option alone", "Keep-Alive", []],
    ["one header name", "X-Upstream-Hop", ["x-upstream-hop"]],
    ["an option and a header name", "close, X-Upstream-Hop", ["x-upstream-hop"]],
  ])("drops what the upstream's Connection names: %s", (_case, connection, dropped) => {
    const upstream = new URL("http://10.0.0.5:8080/api");
    const headers = forwardedResponseHeaders(
      { connection, "keep-alive": "timeout=5", "x-upstream-hop": "internal detail", "x-kept": "yes" },
      { upstream, serviceSlug: "billing" },
    );

    expect(headers["x-kept"]).toBe("yes");
    expect(headers.connection).toBeUndefined();
    expect(headers["keep-alive"]).toBeUndefined();
    expect(headers["x-upstream-hop"] === undefined).toBe(dropped.includes("x-upstream-hop"));
  });

  it("passes a redirect on to the client and never follows it itself, to an internal address or anywhere", async () => {
    const internal = await toyUpstream();
    const upstream = await toyUpstream((_req, res) => {
      res.writeHead(302, { Location: `${internal.url}/admin/secrets` });
      res.end();
    });
    const gw = await gateway(upstream.url);

    const response = await request(`${gw.url}/login`);

    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`${internal.url}/admin/secrets`);
    expect(upstream.received).toHaveLength(1);
    expect(internal.received).toEqual([]);
  });

  it("points a redirect into the upstream at the gateway, so the client never learns or needs the upstream's address", async () => {
    const locations = [
      ["/api/invoices/43?expand=lines", "/gw/billing/invoices/43?expand=lines"],
      ["UPSTREAM/api/invoices/43#top", "/gw/billing/invoices/43#top"],
      ["UPSTREAM/api", "/gw/billing/"],
      // Relative to the client's own /gw/ URL, so already right; another site, or outside the base path: as sent.
      ["44", "44"],
      ["https://example.com/elsewhere", "https://example.com/elsewhere"],
      ["/admin", "/admin"],
    ];
    let answer = "";
    const upstream = await toyUpstream((_req, res) => {
      res.writeHead(303, { Location: answer });
      res.end();
    });
    const gw = await gateway(`${upstream.url}/api`);
    for (const [sent, expected] of locations) {
      answer = sent.replace("UPSTREAM", upstream.url);
      const response = await request(`${gw.url}/invoices/42`);
      expect(response.status).toBe(303);
      expect(response.headers.location, sent).toBe(expected);
    }
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
      req.on("end", () => res.end(`got:${body}:${req.headers["transfer-encoding"]}`));
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

    // Its length unknown when it started, the body is sent chunked.
    expect(await answer).toBe("got:first,second:chunked");
  });

  // curl sends `Expect: 100-continue` with any body over 1 KiB; Node's server answers it, the upstream never sees it.
  it("forwards a body sent after Expect: 100-continue, and returns the upstream's answer", async () => {
    const upstream = await toyUpstream();
    const gw = await gateway(upstream.url);

    const response = await new Promise<RawResponse>((resolve, reject) => {
      const req = http.request(
        `${gw.url}/upload`,
        { method: "POST", headers: { Expect: "100-continue", "Content-Length": "5" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        },
      );
      req.on("continue", () => req.end("hello"));
      req.on("error", reject);
    });

    expect(response.status).toBe(201);
    expect(response.body).toBe("echo:hello");
    expect(upstream.received[0].headers.expect).toBeUndefined();
    expect(gw.outcomes).toEqual([{ status: 201, kind: "answered" }]);
  });

  it("forwards a body sent without Content-Length whole", async () => {
    const upstream = await toyUpstream();
    const gw = await gateway(upstream.url);

    const response = await request(`${gw.url}/upload`, { method: "POST", body: ["abc", "def"] });

    expect(response.body).toBe("echo:abcdef");
    // Chunked while it streams (below); a body that had fully arrived before the upstream connection was ready may be sent with its length.
    expect(upstream.received[0].body).toBe("abcdef");
  });

  it("passes a large answer through whole to a client that reads slowly", async () => {
    const payload = randomBytes(4 * 1024 * 1024);
    const { url: upstreamUrl } = await listen((_req, res) => res.end(payload));
    const gw = await gateway(upstreamUrl);

    const received = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(`${gw.url}/large`, (res) => {
          const chunks: Buffer[] = [];
          // One chunk per turn of the event loop: the gateway has to hold the upstream back meanwhile, and let it go again.
          res.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
            res.pause();
            setImmediate(() => res.resume());
          });
          res.on("end", () => resolve(Buffer.concat(chunks)));
        })
        .on("error", reject);
    });

    expect(received.equals(payload)).toBe(true);
    expect(gw.outcomes).toEqual([{ status: 200, kind: "answered" }]);
  });

  it("keeps the first of a repeated single-valued response header, and passes on the others' values", async () => {
    const upstream = await toyUpstream((_req, res) => {
      res.setHeader("Content-Type", ["text/plain", "text/html"]);
      res.setHeader("X-Tag", ["a", "b"]);
      res.end("ok");
    });
    const gw = await gateway(upstream.url);

    const response = await request(`${gw.url}/x`);

    expect(response.headers["content-type"]).toBe("text/plain");
    expect(response.headers["x-tag"]).toBe("a, b");
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

  it("cuts a body at the limit with 413 after the upstream call has started, and the upstream never sees it whole", async () => {
    let upstreamCalled!: () => void;
    const called = new Promise<void>((resolve) => (upstreamCalled = resolve));
    let bodyEnded = false;
    const { url: upstreamUrl } = await listen((req) => {
      req.on("end", () => (bodyEnded = true));
      req.resume();
      upstreamCalled();
    });
    const gw = await gateway(upstreamUrl, { maxBodyBytes: 10 });

    const response = await request(`${gw.url}/upload`, {
      method: "POST",
      send: (req) => {
        req.write("x".repeat(8));
        void called.then(() => req.end("y".repeat(8)));
      },
    });

    expect(response.status).toBe(413);
    expect(bodyEnded).toBe(false);
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

  it("cuts the response when the upstream stalls mid-body, and records a timeout", async () => {
    const { url: upstreamUrl } = await listen((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.write("partial");
      // Then silence.
    });
    const gw = await gateway(upstreamUrl, { upstreamTimeoutMs: 50 });

    const cut = await new Promise<{ status: number; body: string; complete: boolean }>((resolve) => {
      http.get(`${gw.url}/stalls`, (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        res.on("error", () => {});
        res.on("close", () => resolve({ status: res.statusCode!, body, complete: res.complete }));
      });
    });

    expect(cut).toEqual({ status: 200, body: "partial", complete: false });
    expect(gw.outcomes).toEqual([{ status: 200, kind: "timeout" }]);
  });

  // A client that starts a body and stops must not hold a connection to the upstream past the timeout.
  it("answers 504 when the request body stops coming, and closes the upstream call", async () => {
    let upstreamConnectionClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamConnectionClosed = resolve));
    const { url: upstreamUrl } = await listen((req) => {
      req.socket.on("close", upstreamConnectionClosed);
      req.resume();
    });
    const gw = await gateway(upstreamUrl, { upstreamTimeoutMs: 50 });

    const response = await request(`${gw.url}/upload`, {
      method: "POST",
      send: (req) => {
        req.write("the first part, and then nothing");
        started.push({ close: () => req.destroy() });
      },
    });

    expect(response.status).toBe(504);
    expect(JSON.parse(response.body).error.details).toEqual({ reason: "upstream-timeout" });
    await closed;
    expect(gw.outcomes).toEqual([{ status: 504, kind: "timeout" }]);
  });

  // A client that gives up must not leave Keyward's connection to the upstream waiting for nothing.
  it("stops the upstream call when the client hangs up, and records 499 client-gone", async () => {
    let upstreamConnectionClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamConnectionClosed = resolve));
    let requestArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (requestArrived = resolve));
    const { url: upstreamUrl } = await listen((req) => {
      req.socket.on("close", upstreamConnectionClosed);
      requestArrived();
      // Never answers; the timeout below is far beyond the test's own.
    });
    const gw = await gateway(upstreamUrl, { upstreamTimeoutMs: 600_000 });

    const client = http.request(`${gw.url}/slow`);
    client.on("error", () => {});
    client.end();
    await arrived;
    client.destroy();

    await closed;
    await vi.waitFor(() => expect(gw.outcomes).toEqual([{ status: 499, kind: "client-gone" }]));
  });

  it("answers 504 when the upstream's name cannot be resolved within the timeout", async () => {
    // Never answers.
    lookupAnswers("stalled-dns.invalid", () => {});
    const gw = await gateway("http://stalled-dns.invalid:8080/", { upstreamTimeoutMs: 50 });

    const response = await request(`${gw.url}/x`);

    expect(response.status).toBe(504);
    expect(JSON.parse(response.body).error.details).toEqual({ reason: "upstream-timeout" });
    expect(gw.outcomes).toEqual([{ status: 504, kind: "timeout" }]);
  });

  // An upstream that is not HTTP, or breaks it, must not crash or hang the gateway.
  it.each([
    ["not HTTP at all", "SSH-2.0-OpenSSH_9.6\r\n\r\n"],
    ["a control character in a header", "HTTP/1.1 200 OK\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\nok"],
    ["an unsolicited 101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"],
  ])("answers 502 in Keyward's error shape for an upstream answer with %s", async (_case, answer) => {
    const upstream = net.createServer((socket) => socket.once("data", () => socket.end(answer, "latin1")));
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    started.push({ close: () => upstream.close() });
    const gw = await gateway(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);

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

  // The same through a host name: the address is checked after the lookup, before connecting.
  it("refuses an upstream whose name resolves to a link-local address with 502", async () => {
    lookupAnswers("metadata.invalid", (callback) => callback(null, [{ address: "169.254.169.254", family: 4 }]));
    const gw = await gateway("http://metadata.invalid/latest/meta-data");

    const response = await request(`${gw.url}/x`);

    expect(response.status).toBe(502);
    expect(JSON.parse(response.body).error.details).toEqual({ reason: "upstream-forbidden" });
  });

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
