import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";

import { dropUntrustedForwarding, isCrossSiteWrite } from "./request-guard";

const request = (method: string, headers: Record<string, string>) =>
  ({ method, headers: { host: "keyward.test:3000", ...headers } }) as unknown as IncomingMessage;

describe("cross-site writes", () => {
  it.each([
    ["POST", { origin: "https://evil.example" }, true],
    ["POST", { origin: "null" }, true],
    ["POST", { origin: "not a url" }, true],
    ["DELETE", { origin: "http://keyward.test" }, true],
    ["POST", { origin: "http://keyward.test:3000.evil.example" }, true],
    ["POST", { "sec-fetch-site": "cross-site" }, true],
    ["POST", { origin: "http://keyward.test:3000" }, false],
    ["POST", { origin: "https://keyward.test:3000" }, false],
    ["POST", {}, false],
    ["POST", { "sec-fetch-site": "same-origin" }, false],
    ["GET", { origin: "https://evil.example" }, false],
    ["HEAD", { origin: "null" }, false],
  ])("%s with %j is cross-site: %s", (method, headers, expected) => {
    expect(isCrossSiteWrite(request(method, headers), 0)).toBe(expected);
  });

  it("accepts the proxy's X-Forwarded-Host only behind a trusted proxy", () => {
    const viaProxy = request("POST", { origin: "https://keyward.example", "x-forwarded-host": "keyward.example" });
    expect(isCrossSiteWrite(viaProxy, 1)).toBe(false);
    expect(isCrossSiteWrite(viaProxy, 0)).toBe(true);
  });
});

describe("forwarding headers", () => {
  it("are dropped unless a proxy is trusted", () => {
    const headers = { "x-forwarded-host": "evil.example", "x-forwarded-proto": "https", forwarded: "host=evil.example" };
    const direct = request("GET", headers);
    dropUntrustedForwarding(direct, 0);
    expect(direct.headers).toEqual({ host: "keyward.test:3000" });
    const proxied = request("GET", headers);
    dropUntrustedForwarding(proxied, 1);
    expect(proxied.headers).toMatchObject(headers);
  });
});
