import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";

import { clientIpOf } from "./client-ip";
import { forwardedProtoOf, parseTrustedProxyHops } from "./trusted-proxy";

const PROXY = "10.0.0.5";
const request = (forwardedFor: string | string[] | undefined, socket = PROXY) =>
  ({
    headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor },
    socket: { remoteAddress: socket },
  }) as unknown as IncomingMessage;

describe("the client address behind trusted proxies", () => {
  it("without a trusted proxy is the socket's, whatever X-Forwarded-For says", () => {
    expect(clientIpOf(request("203.0.113.9"), 0)).toBe(PROXY);
  });

  it("behind one proxy is the entry that proxy appended, not what the client wrote on the left", () => {
    // The client sent "X-Forwarded-For: 198.51.100.7" (a victim's address); the proxy appended the real one.
    expect(clientIpOf(request("198.51.100.7, 203.0.113.9"), 1)).toBe("203.0.113.9");
    expect(clientIpOf(request("1.1.1.1, 2.2.2.2, 198.51.100.7, 203.0.113.9"), 1)).toBe("203.0.113.9");
  });

  it("behind two proxies is the entry the outer one appended", () => {
    // CDN saw the client (203.0.113.9) and appended it; the load balancer appended the CDN (192.0.2.1).
    expect(clientIpOf(request("198.51.100.7, 203.0.113.9, 192.0.2.1"), 2)).toBe("203.0.113.9");
  });

  it("reads several X-Forwarded-For lines as one list in order", () => {
    expect(clientIpOf(request(["198.51.100.7", "203.0.113.9"]), 1)).toBe("203.0.113.9");
    expect(clientIpOf(request(["198.51.100.7, 203.0.113.9", "192.0.2.1"]), 2)).toBe("203.0.113.9");
  });

  it("takes the leftmost entry when fewer proxies than configured wrote the list", () => {
    expect(clientIpOf(request("203.0.113.9"), 2)).toBe("203.0.113.9");
  });

  it("uses the socket's address when the proxy sent no X-Forwarded-For", () => {
    expect(clientIpOf(request(undefined), 1)).toBe(PROXY);
    expect(clientIpOf(request(""), 1)).toBe(PROXY);
  });

  it("spells IPv6 and IPv4-mapped addresses one way, with or without brackets and ports", () => {
    expect(clientIpOf(request("2001:DB8::1"), 1)).toBe("2001:db8::1");
    expect(clientIpOf(request("[2001:db8::1]:443"), 1)).toBe("2001:db8::1");
    expect(clientIpOf(request("::ffff:203.0.113.9"), 1)).toBe("203.0.113.9");
    expect(clientIpOf(request("203.0.113.9:51234"), 1)).toBe("203.0.113.9");
    expect(clientIpOf(request(undefined, "::ffff:127.0.0.1"), 0)).toBe("127.0.0.1");
    expect(clientIpOf(request(undefined, "::1"), 0)).toBe("::1");
  });

  it("falls back to the socket's address when the trusted entry is junk, never to a client-written one", () => {
    expect(clientIpOf(request("198.51.100.7, unknown"), 1)).toBe(PROXY);
    expect(clientIpOf(request("198.51.100.7, <script>"), 1)).toBe(PROXY);
    expect(clientIpOf(request("198.51.100.7, "), 1)).toBe(PROXY);
    expect(clientIpOf(request("198.51.100.7,,203.0.113.9"), 1)).toBe("203.0.113.9");
    expect(clientIpOf(request("x".repeat(10_000)), 1)).toBe(PROXY);
  });
});

describe("X-Forwarded-Proto", () => {
  it("counts only behind a trusted proxy, read the same way as X-Forwarded-For", () => {
    expect(forwardedProtoOf("https", 0)).toBeUndefined();
    expect(forwardedProtoOf("https", 1)).toBe("https");
    expect(forwardedProtoOf("https, http", 1)).toBe("http");
    expect(forwardedProtoOf("https, http", 2)).toBe("https");
    expect(forwardedProtoOf("gopher", 1)).toBeUndefined();
    expect(forwardedProtoOf(null, 1)).toBeUndefined();
  });
});

describe("TRUST_PROXY", () => {
  it.each([
    [undefined, 0],
    ["", 0],
    ["0", 0],
    ["1", 1],
    ["2", 2],
    ["10", 10],
    ["true", 1],
    ["yes", 1],
    ["false", 0],
    ["no", 0],
  ])("%j means %i hops", (raw, hops) => {
    expect(parseTrustedProxyHops(raw)).toBe(hops);
  });

  it.each(["-1", "1.5", "11", "all", "loopback", "10.0.0.0/8", "1e1"])("refuses %j", (raw) => {
    expect(parseTrustedProxyHops(raw)).toBeNull();
  });
});
