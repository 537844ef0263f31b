import { describe, expect, it } from "vitest";

import { serviceKeyLeakResponse } from "./key-leaks";

describe("a leaked service key", () => {
  it("is revoked under the DISABLE policy and only flagged under FLAG, as a leaked token is disabled or flagged", () => {
    expect(serviceKeyLeakResponse("DISABLE")).toBe("key-revoked");
    expect(serviceKeyLeakResponse("FLAG")).toBe("flagged");
  });
});
