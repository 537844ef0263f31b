import { describe, expect, it } from "vitest";

import { PAUSE_ALERT_ROLES, receivesPauseAlert } from "./policy";

describe("who is mailed when a webhook pauses itself", () => {
  it("is the admins, who can fix it, and not members", () => {
    expect(receivesPauseAlert("ADMIN")).toBe(true);
    expect(receivesPauseAlert("MEMBER")).toBe(false);
    expect(PAUSE_ALERT_ROLES).toEqual(["ADMIN"]);
  });
});
