import { describe, expect, it } from "vitest";

import { outcomeOf } from "./outcomes";

describe("outcomeOf", () => {
  it.each([
    [200, "success"],
    [201, "success"],
    [304, "success"],
    [400, "clientErrors"],
    [404, "clientErrors"],
    [401, "authErrors"],
    [403, "authErrors"],
    [429, "rateLimited"],
    [500, "serverErrors"],
    [503, "serverErrors"],
  ] as const)("%i is %s", (status, outcome) => {
    expect(outcomeOf(status)).toBe(outcome);
  });
});
