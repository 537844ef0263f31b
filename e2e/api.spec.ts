import { expect, test } from "@playwright/test";

import { signInAndWait } from "./support";

const TOKEN_VALUE = /kw_[0-9A-Za-z]{36}/;

test("the API page shows curl examples for a visible token, and the token works against /v0/ on the same server", async ({
  page,
  request,
}) => {
  const name = `E2E api ${Date.now().toString(36)}`;
  await signInAndWait(page, "admin@acme.test");

  // A token made in the dashboard…
  await page.getByRole("button", { name: "Create token" }).click();
  let dialog = page.getByRole("dialog", { name: "Create token" });
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByRole("checkbox", { name: /^report:read/ }).check();
  await dialog.getByLabel("Quota (requests per window)").fill("50");
  await dialog.getByRole("button", { name: "Create token" }).click();
  dialog = page.getByRole("dialog", { name: "Token created" });
  const value = await dialog.getByTestId("secret-value").inputValue();
  expect(value).toMatch(TOKEN_VALUE);
  await dialog.getByRole("button", { name: "Done" }).click();

  // …works against the REST API served by the same process and port.
  const auth = { authorization: `Basic ${Buffer.from(`${value}:`).toString("base64")}` };
  const quota = await request.get("/v0/quota", { headers: auth });
  expect(quota.status()).toBe(200);
  expect(await quota.json()).toMatchObject({ quota: 50, maxQuota: 50 });
  const repos = await request.get("/v0/orgs/acme/repos", { headers: auth });
  expect(repos.status()).toBe(403);
  expect(await repos.json()).toEqual({ error: { message: expect.stringContaining("repo:list"), details: { requiredScope: "repo:list" } } });
  expect((await request.get("/v0/quota")).status()).toBe(401);
  expect((await request.get("/v0/openapi.json")).status()).toBe(200);

  // The API page: examples for the chosen token, which it can and cannot call, never its value.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "REST API" })).toBeVisible();
  await page.getByRole("combobox", { name: "Token", exact: true }).selectOption({ label: `${name} (kw_…${value.slice(-4)})` });
  await page.getByRole("button", { name: "Show examples" }).click();
  await expect(page).toHaveURL(/\?token=/);
  await expect(page.getByText(`<paste the value of kw_…${value.slice(-4)}>`)).toBeVisible();
  await expect(page.getByText(/KEYWARD_API='http:\/\/127\.0\.0\.1:\d+\/v0'/)).toBeVisible();
  await expect(page.getByText('curl -u "$KEYWARD_TOKEN:" "$KEYWARD_API/quota"')).toBeVisible();
  const endpoints = page.getByRole("table");
  await expect(endpoints.getByRole("row", { name: /GET \/v0\/report\/view\/\{id\}/ })).toContainText("allowed");
  await expect(endpoints.getByRole("row", { name: /^GET \/v0\/orgs\/\{org\}\/repos List/ })).toContainText("needs repo:list");
  expect(await page.content()).not.toMatch(TOKEN_VALUE);
  const fresh = await page.request.get(page.url());
  expect(await fresh.text()).not.toMatch(TOKEN_VALUE);

  // The example's link leads to the token's page, where its value can be copied.
  await page.getByRole("link", { name: "copy it from the token's page" }).click();
  await expect(page).toHaveURL(/\/acme\/tokens\/[0-9a-f-]{36}/);
});

test("a member's API page offers only organization-visible tokens", async ({ page }) => {
  await signInAndWait(page, "member@acme.test");
  await page.goto("/acme/api");
  await expect(page.getByRole("heading", { level: 1, name: "REST API" })).toBeVisible();
  const options = await page.getByRole("combobox", { name: "Token", exact: true }).locator("option").allTextContents();
  // Demo tokens: "Security scanner" and "Token automation" are admin-only.
  expect(options.some((label) => label.startsWith("CI pipeline"))).toBe(true);
  expect(options.some((label) => label.startsWith("Security scanner") || label.startsWith("Token automation"))).toBe(false);
});
