import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { formatNetwork, MAX_ALLOWED_NETWORKS, NetworkList, networksWithin, parseNetwork, parseNetworkList } from "./networks";

describe("parseNetwork", () => {
  it.each([
    ["10.1.2.3/8", "10.0.0.0/8"],
    ["203.0.113.7", "203.0.113.7/32"],
    ["0.0.0.0/0", "0.0.0.0/0"],
    ["2001:DB8::1/32", "2001:db8::/32"],
    ["::1", "::1/128"],
    ["::/0", "::/0"],
    ["fe80::1:2:3:4/64", "fe80::/64"],
    ["::ffff:192.0.2.1/32", "192.0.2.1/32"],
    ["1:0:0:2:0:0:0:3/128", "1:0:0:2::3/128"],
  ])("reads %s as %s", (input, canonical) => {
    expect(formatNetwork(parseNetwork(input)!)).toBe(canonical);
  });

  it.each(["10.0.0.0/33", "::/129", "not-an-ip", "10.0.0/8", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/", "1.2.3.4/08x", "", "256.1.1.1"])(
    "refuses %j",
    (input) => {
      expect(parseNetwork(input)).toBeNull();
    },
  );
});

describe("parseNetworkList", () => {
  it("accepts spaces, commas and new lines, deduplicates in canonical form, and names what is malformed", () => {
    expect(parseNetworkList("10.0.0.1/8, 10.0.0.0/8\n2001:db8::/32")).toEqual({ ok: true, networks: ["10.0.0.0/8", "2001:db8::/32"] });
    expect(parseNetworkList(["", " "])).toEqual({ ok: true, networks: [] });
    expect(parseNetworkList("10.0.0.0/8 nope 1.2.3.4/40")).toEqual({ ok: false, invalid: ["nope", "1.2.3.4/40"] });
  });

  it(`allows at most ${MAX_ALLOWED_NETWORKS} ranges`, () => {
    const ranges = (n: number) => Array.from({ length: n }, (_, i) => `10.${i}.0.0/16`);
    expect(parseNetworkList(ranges(MAX_ALLOWED_NETWORKS)).ok).toBe(true);
    expect(parseNetworkList(ranges(MAX_ALLOWED_NETWORKS + 1))).toEqual({ ok: false, tooMany: MAX_ALLOWED_NETWORKS + 1 });
  });
});

describe("NetworkList.allows", () => {
  const list = new NetworkList(["10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"]);
  it.each([
    ["10.255.1.1", true],
    ["11.0.0.1", false],
    ["::ffff:10.1.1.1", true],
    ["2001:db8:ffff::1", true],
    ["2001:db9::1", false],
    ["192.0.2.7", true],
    ["192.0.2.8", false],
    ["unknown", false],
  ])("%s → %s", (ip, allowed) => {
    expect(list.allows(ip)).toBe(allowed);
  });
});

describe("networksWithin", () => {
  it("an empty list (any address) lies only inside another empty list", () => {
    expect(networksWithin([], [])).toBe(true);
    expect(networksWithin(["10.0.0.0/8"], [])).toBe(true);
    expect(networksWithin([], ["10.0.0.0/8"])).toBe(false);
  });

  it("each range must lie inside one of the outer ranges, family by family", () => {
    expect(networksWithin(["10.1.0.0/16", "10.2.3.4/32"], ["10.0.0.0/8"])).toBe(true);
    expect(networksWithin(["10.0.0.0/7"], ["10.0.0.0/8"])).toBe(false);
    expect(networksWithin(["::ffff:0:0/96"], ["0.0.0.0/0"])).toBe(false);
    expect(networksWithin(["2001:db8:1::/48"], ["2001:db8::/32", "10.0.0.0/8"])).toBe(true);
  });

  it("agrees with NetworkList.allows on random IPv4 ranges: every address a narrower list allows, the wider one allows", () => {
    const range = fc
      .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }))
      .map(([n, prefix]) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${prefix}`);
    const address = fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((n) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`);
    fc.assert(
      fc.property(
        fc.array(range, { minLength: 1, maxLength: 4 }),
        fc.array(range, { minLength: 1, maxLength: 4 }),
        fc.array(address, { maxLength: 20 }),
        (inner, outer, addresses) => {
          if (!networksWithin(inner, outer)) return;
          const [innerList, outerList] = [new NetworkList(inner), new NetworkList(outer)];
          for (const ip of addresses) if (innerList.allows(ip)) expect(outerList.allows(ip)).toBe(true);
          // And the inner list's own network addresses.
          for (const text of inner) expect(outerList.allows(text.split("/")[0])).toBe(true);
        },
      ),
    );
  });
});
