import { expect, test, type Browser } from "@playwright/test";

import { callServerAction, serverActionId } from "./server-actions";
import { signInAndWait } from "./support";

const ACTIONS_FILE = "lib/actions/tokens.ts";
const ORG_VISIBLE = ["CI pipeline", "Developer laptops"];
const ADMIN_ONLY = ["Security scanner", "Token automation", "Legacy deploy"];

/** The demo tokens' ids, read the way an admin sees them (members cannot see the admin-only ones). */
async function demoTokenIds(browser: Browser, baseURL: string) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  await signInAndWait(page, "admin@acme.test");
  const ids: Record<string, string> = {};
  for (const name of [...ORG_VISIBLE, ...ADMIN_ONLY]) {
    const href = await page.getByRole("table", { name: "API tokens" }).getByRole("link", { name, exact: true }).getAttribute("href");
    ids[name] = href!.split("/").at(-1)!;
  }
  await context.close();
  return ids;
}

test("member: sees only organization-visible tokens, copies one, and has no edit controls", async ({ page, context, baseURL }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  await signInAndWait(page, "member@acme.test");
  const table = page.getByRole("table", { name: "API tokens" });
  for (const name of ORG_VISIBLE) await expect(table.getByRole("link", { name, exact: true })).toBeVisible();
  // Not in the table, and not anywhere in what the server sent.
  const html = await page.content();
  for (const name of ADMIN_ONLY) {
    await expect(table.getByRole("link", { name, exact: true })).toHaveCount(0);
    expect(html).not.toContain(name);
  }

  await expect(page.getByRole("button", { name: "Create token" })).toHaveCount(0);
  await page.getByRole("button", { name: "Actions for CI pipeline" }).click();
  await expect(page.getByRole("menuitem")).toHaveText(["Reveal value", "View details"]);
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu")).toHaveCount(0);

  const masked = await table.getByRole("row").filter({ hasText: "CI pipeline" }).locator("code").textContent();
  await table.getByRole("button", { name: "Copy value of CI pipeline" }).click();
  await expect(table.getByRole("button", { name: "Copy value of CI pipeline" })).toContainText("Copied");
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toMatch(/^kw_[0-9A-Za-z]{36}$/);
  expect(copied.slice(-4)).toBe(masked!.slice(-4));

  // The token's page: details and reveal, no edit controls.
  await table.getByRole("link", { name: "CI pipeline", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "CI pipeline" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Reveal value" })).toBeVisible();
  for (const control of ["Edit", "Rotate", "Disable", "Revoke"]) {
    await expect(page.getByRole("button", { name: control, exact: true })).toHaveCount(0);
  }
  await page.getByRole("button", { name: "Reveal value" }).click();
  await expect(page.getByRole("dialog", { name: "Value of CI pipeline" }).getByTestId("secret-value")).toHaveValue(copied);
});

test("member: a direct URL to an admin-only token is a 404, and crafted action calls change nothing", async ({
  page,
  browser,
  baseURL,
}) => {
  const ids = await demoTokenIds(browser, baseURL!);
  await signInAndWait(page, "member@acme.test");

  for (const path of [
    `/acme/tokens/${ids["Security scanner"]}`,
    "/acme/tokens/not-a-token-id",
    "/acme/tokens/00000000-0000-4000-8000-000000000000",
  ]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  }

  // Crafted POSTs of the admin-only actions, with the member's own session cookie.
  const call = (name: string, input: Record<string, unknown>) =>
    callServerAction(page.request, "/acme/tokens", serverActionId(baseURL!, ACTIONS_FILE, name), { orgSlug: "acme", ...input });
  const refusals = [
    await call("disableTokenAction", { tokenId: ids["CI pipeline"] }),
    await call("revokeTokenAction", { tokenId: ids["CI pipeline"] }),
    await call("rotateTokenAction", { tokenId: ids["CI pipeline"], graceHours: "0" }),
    await call("updateTokenAction", {
      tokenId: ids["CI pipeline"],
      name: "pwned",
      visibility: "ORGANIZATION",
      quotaMax: "1",
      quotaWindow: "DAILY",
    }),
    await call("createTokenAction", { name: "pwned", visibility: "ORGANIZATION", quotaMax: "1", quotaWindow: "DAILY" }),
  ];
  for (const refusal of refusals) {
    expect(refusal.status).toBe(200);
    expect(refusal.body).toContain('"code":"FORBIDDEN"');
  }
  const hiddenReveal = await call("revealTokenAction", { tokenId: ids["Security scanner"] });
  expect(hiddenReveal.body).toContain('"code":"NOT_FOUND"');
  expect(hiddenReveal.body).not.toMatch(/kw_[0-9A-Za-z]{36}/);
  // Extra fields are refused, not ignored.
  const smuggled = await call("revealTokenAction", { tokenId: ids["CI pipeline"], orgId: "another-org" });
  expect(smuggled.body).toContain('"code":"INVALID"');
  expect(smuggled.body).not.toMatch(/kw_[0-9A-Za-z]{36}/);

  // Nothing changed: the token is still listed, active, with its name, and nothing was created.
  await page.goto("/acme/tokens");
  const table = page.getByRole("table", { name: "API tokens" });
  const row = table.getByRole("row").filter({ has: page.getByRole("link", { name: "CI pipeline", exact: true }) });
  await expect(row).toContainText("Active");
  await expect(table.getByRole("link", { name: "pwned" })).toHaveCount(0);
});
