import { beforeAll, expect, it } from "vitest";

import { updateTokenAction } from "@/lib/actions/tokens";
import { captureLogLines } from "@/lib/logger";

import { actAs, createTestOrg } from "../support/request-as";

// The operator's log: one JSON line per org action, naming it, the org, the actor and the
// outcome, and never the input.
let acme: Awaited<ReturnType<typeof createTestOrg>>;
beforeAll(async () => {
  acme = await createTestOrg("oplog");
});

it("logs each org action with its name, org, actor and outcome, and none of its input", async () => {
  const capture = captureLogLines();
  try {
    await actAs(acme.member);
    await updateTokenAction(undefined, {
      orgSlug: acme.org.slug,
      tokenId: "00000000-0000-4000-8000-000000000000",
      name: "secret-looking-name",
    });
  } finally {
    capture.stop();
  }
  const line = capture.lines.find((each) => each.msg === "org action");
  expect(line).toMatchObject({
    action: "tokens.updateTokenAction",
    org: acme.org.slug,
    actorId: acme.member.id,
    outcome: "FORBIDDEN",
    permission: "tokens:manage",
  });
  expect(JSON.stringify(capture.lines)).not.toContain("secret-looking-name");
});
