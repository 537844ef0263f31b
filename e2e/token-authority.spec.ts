import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";

import { callServerAction, serverActionId } from "./server-actions";
import { signInAndWait } from "./support";

// The hostile review's member path (SECURITY.md, "Tokens acting on tokens", rule 3): an admin
// makes an organization-visible token that manages tokens; a member copies it in the dashboard
// and tries to reach an admin-only token through the API with it.

test("member: an organization-visible token that manages tokens cannot rotate, reveal or expose an admin-only token", async ({
  browser,
  baseURL,
}) => {
  const name = `Shared automation ${randomUUID().slice(0, 6)}`;
  const adminContext = await browser.newContext({ baseURL });
  const admin = await adminContext.newPage();
  await signInAndWait(admin, "admin@acme.test");
  const created = await callServerAction(
    admin.request,
    "/acme/tokens",
    serverActionId(baseURL!, "lib/actions/tokens.ts", "createTokenAction"),
    {
      orgSlug: "acme",
      name,
      visibility: "ORGANIZATION",
      scopes: ["api-tokens", "report", "repo"],
      quotaMax: "100000",
      quotaWindow: "MONTHLY",
    },
  );
  expect(created.status).toBe(200);
  await admin.reload();
  const secretHref = await admin
    .getByRole("table", { name: "API tokens" })
    .getByRole("link", { name: "Security scanner", exact: true })
    .getAttribute("href");
  const secretId = secretHref!.split("/").at(-1)!;
  await adminContext.close();

  // The member copies the shared token's value in the dashboard (allowed: it is organization-visible).
  const memberContext = await browser.newContext({ baseURL });
  const member = await memberContext.newPage();
  await signInAndWait(member, "member@acme.test");
  await member.getByRole("table", { name: "API tokens" }).getByRole("link", { name, exact: true }).click();
  await member.getByRole("button", { name: "Reveal value" }).click();
  const value = await member
    .getByRole("dialog", { name: `Value of ${name}` })
    .getByTestId("secret-value")
    .inputValue();
  expect(value).toMatch(/^kw_/);

  const auth = { Authorization: `Bearer ${value}` };
  const rotate = await member.request.post(`/v0/orgs/acme/tokens/${secretId}/rotate`, { headers: auth, data: { grace_seconds: 0 } });
  expect(rotate.status()).toBe(403);
  const rotateBody = await rotate.json();
  expect(rotateBody.error.details.rule).toBe("admin-only-target");
  expect(JSON.stringify(rotateBody)).not.toMatch(/kw_/);
  const flip = await member.request.post(`/v0/orgs/acme/tokens/${secretId}/update`, {
    headers: auth,
    data: { visibility: "organization" },
  });
  expect(flip.status()).toBe(403);
  const listed = await member.request.get("/v0/orgs/acme/tokens?token_values=include", { headers: auth });
  expect(listed.status()).toBe(200);
  expect(JSON.stringify(await listed.json())).not.toContain("Security scanner");

  // Still hidden from the member: not in the table, and its page is a 404.
  await member.goto("/acme/tokens");
  await expect(member.getByRole("table", { name: "API tokens" }).getByRole("link", { name, exact: true })).toBeVisible();
  await expect(member.getByRole("table", { name: "API tokens" }).getByRole("link", { name: "Security scanner", exact: true })).toHaveCount(
    0,
  );
  expect((await member.goto(`/acme/tokens/${secretId}`))?.status()).toBe(404);
  await memberContext.close();
});
