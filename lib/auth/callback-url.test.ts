import { describe, expect, it } from "vitest";

import { safeCallbackPath } from "./callback-url";

const ORIGIN = "https://keyward.example";

describe("the page after sign-in", () => {
  it.each([
    ["/\\evil.example"],
    ["/\t/evil.example"],
    ["/\n/evil.example"],
    ["//evil.example"],
    ["\\\\evil.example"],
    ["https://evil.example/acme"],
    ["http:evil.example"],
    ["http://keyward.example/acme"], // another origin: the scheme differs
    ["https://keyward.example.evil.example/"],
    ["https://keyward.example@evil.example/"],
    ["javascript:alert(document.cookie)"],
    ["JaVaScRiPt:alert(1)"],
    ["data:text/html,<script>alert(1)</script>"],
    [decodeURIComponent("/%5Cevil.example")],
    [decodeURIComponent("/%09/evil.example")],
    [decodeURIComponent("%2F%2Fevil.example")],
  ])("never leaves the site for %j", (value) => {
    expect(safeCallbackPath(value, ORIGIN)).toBe("/");
  });

  it.each([
    ["/.//evil.example", "/evil.example"],
    ["/a/..//evil.example", "/evil.example"],
    ["https://keyward.example//evil.example", "/evil.example"],
    ["https:evil.example", "/evil.example"], // same scheme, no slashes: a relative path, as a browser reads it
    // Still encoded (a double-encoded link): a harmless path on this site, not a host.
    ["/%5Cevil.example", "/%5Cevil.example"],
    ["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
  ])("keeps %j on this site as %j", (value, path) => {
    expect(safeCallbackPath(value, ORIGIN)).toBe(path);
    expect(new URL(path, "https://other.example").host).toBe("other.example");
  });

  it("keeps a path on this site with its query and fragment", () => {
    expect(safeCallbackPath("/acme/tokens?x=1#y", ORIGIN)).toBe("/acme/tokens?x=1#y");
    expect(safeCallbackPath("https://keyward.example/acme/tokens?x=1#y", ORIGIN)).toBe("/acme/tokens?x=1#y");
    expect(safeCallbackPath("/invite/abc", "https://keyward.example/")).toBe("/invite/abc");
  });

  it("answers the default for anything that is not a string", () => {
    for (const value of [undefined, null, "", "   ", 42, ["/acme"], { href: "/acme" }]) expect(safeCallbackPath(value, ORIGIN)).toBe("/");
  });

  it("answers the default when the site's own origin cannot be parsed", () => {
    expect(safeCallbackPath("/acme", "not an origin")).toBe("/");
  });
});
