import { afterEach, expect, test } from "vitest";

import { captureLogLines, logger } from "./logger";

let capture: ReturnType<typeof captureLogLines> | null = null;
afterEach(() => capture?.stop());

test("a logged request's authorization and cookie headers, and password or token fields, come out redacted", () => {
  capture = captureLogLines();
  logger.warn(
    {
      req: { headers: { authorization: "Bearer kw_secretvalue", cookie: "authjs.session-token=abc" } },
      body: { password: "hunter2", token: "kw_other" },
    },
    "refused",
  );
  const text = JSON.stringify(capture.lines);
  expect(capture.lines).toHaveLength(1);
  expect(capture.lines[0]).toMatchObject({ level: 40, msg: "refused", service: "keyward" });
  for (const secret of ["kw_secretvalue", "authjs.session-token", "hunter2", "kw_other"]) expect(text).not.toContain(secret);
  expect(text).toContain("[redacted]");
});
