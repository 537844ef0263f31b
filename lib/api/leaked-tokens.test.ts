import { describe, expect, it } from "vitest";
import { AddressRateLimiter } from "./leaked-tokens";

describe("AddressRateLimiter", () => {
  it("allows the limit per address per window, then says how long to wait", () => {
    const limiter = new AddressRateLimiter(2, 60_000);
    expect(limiter.take("a", 0)).toBeNull();
    expect(limiter.take("a", 1_000)).toBeNull();
    expect(limiter.take("a", 2_000)).toBe(58);
    expect(limiter.take("b", 2_000)).toBeNull();
    // A new window starts once the old one is over.
    expect(limiter.take("a", 60_000)).toBeNull();
  });
});
