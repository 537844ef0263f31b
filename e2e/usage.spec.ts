import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

import { signInAndWait } from "./support";

// A token's usage as people see it after real API calls: an admin makes two tokens (one shared
// with members, one admin-only), the test calls the REST API with them, and the token's page
// shows the last use, the quota left, the calls in the log and chart, and which scopes they
// needed. A member sees the same for the shared token and gets a 404 for the admin-only one.
test.describe.configure({ mode: "serial" });

const suffix = Date.now().toString(36);
const SHARED = `E2E usage shared ${suffix}`;
const HIDDEN = `E2E usage hidden ${suffix}`;
const AGENT = `e2e-usage-agent/${suffix}`;
const tokens: Record<string, { id: string; value: string }> = {};

async function createToken(page: Page, name: string, options: { shared: boolean }) {
  await page.goto("/acme/tokens");
  await page.getByRole("button", { name: "Create token" }).click();
  let dialog = page.getByRole("dialog", { name: "Create token" });
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByRole("checkbox", { name: /^report\s*Grants/ }).check();
  await dialog.getByRole("checkbox", { name: /^repo:list/ }).check();
  if (options.shared) await dialog.getByRole("radio", { name: /Organization members/ }).check();
  await dialog.getByLabel("Quota (requests per window)").fill("500");
  await dialog.getByLabel("Quota window").selectOption("MONTHLY");
  await dialog.getByRole("button", { name: "Create token" }).click();
  dialog = page.getByRole("dialog", { name: "Token created" });
  const value = await dialog.getByTestId("secret-value").inputValue();
  await dialog.getByRole("button", { name: "Done" }).click();
  const href = await page.getByRole("table", { name: "API tokens" }).getByRole("link", { name, exact: true }).getAttribute("href");
  tokens[name] = { id: href!.split("/").at(-1)!, value };
}

async function callApi(request: APIRequestContext, value: string, path: string) {
  const response = await request.get(path, { headers: { Authorization: `Bearer ${value}`, "User-Agent": AGENT } });
  return response.status();
}

/** Usage rows are written in batches (every ≤250 ms): reload until the log has them. */
async function openWhenLogged(page: Page, path: string, rows: number) {
  await expect(async () => {
    await page.goto(path);
    await expect(page.getByRole("table", { name: "Request log" }).locator("tbody tr")).toHaveCount(rows, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
}

test("admin: after API calls the token's page shows last use, quota left, the calls in the log and chart, and narrows unused scopes", async ({
  page,
  request,
}) => {
  await signInAndWait(page, "admin@acme.test");
  await createToken(page, SHARED, { shared: true });
  await createToken(page, HIDDEN, { shared: false });

  const shared = tokens[SHARED].value;
  // quota costs 0, each report list 10, the repo list 1: 500 − 21 = 479 left.
  expect(await callApi(request, shared, "/v0/quota")).toBe(200);
  expect(await callApi(request, shared, "/v0/report/list")).toBe(200);
  expect(await callApi(request, shared, "/v0/report/list")).toBe(200);
  expect(await callApi(request, shared, "/v0/orgs/acme/repos")).toBe(200);
  expect(await callApi(request, tokens[HIDDEN].value, "/v0/quota")).toBe(200);

  await openWhenLogged(page, `/acme/tokens/${tokens[SHARED].id}`, 4);
  await expect(page.getByRole("heading", { level: 1, name: SHARED })).toBeVisible();

  const lastUsed = page.getByTestId("last-used");
  await expect(lastUsed).toContainText(/just now|seconds? ago|1 minute ago/);
  await expect(lastUsed).toContainText("GET /v0/orgs/{org}/repos");
  await expect(lastUsed).toContainText(AGENT);
  await expect(page.getByTestId("quota-remaining")).toHaveText("479 of 500 left");
  await expect(page.getByRole("meter", { name: "Quota remaining" }).first()).toBeVisible();

  const log = page.getByRole("table", { name: "Request log" });
  await expect(log.locator("tbody tr").first()).toContainText("/v0/orgs/{org}/repos");
  await expect(log.locator("tbody tr").filter({ hasText: "/v0/report/list" })).toHaveCount(2);
  await expect(log.locator("tbody tr").filter({ hasText: "/v0/quota" })).toContainText(AGENT);
  await expect(page.getByRole("img", { name: "Last 24 hours, by hour (UTC): 4 requests" })).toBeVisible();
  await expect(page.getByRole("img", { name: "Last 30 days, by day (UTC): 4 requests" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Top routes (30 days)" })).toContainText("GET /v0/report/list");

  // Filter the log by route: the URL carries it, the server answers with the matching rows.
  await page.getByLabel("Route", { exact: true }).selectOption("GET /v0/report/list");
  await expect(page).toHaveURL(/route=GET/);
  await expect(log.locator("tbody tr")).toHaveCount(2);

  // The CSV export has the filtered rows, and is never cached.
  const csvHref = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  const csv = await page.request.get(csvHref!);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["cache-control"]).toContain("no-store");
  const lines = (await csv.text()).trim().split("\r\n");
  expect(lines).toHaveLength(3);
  expect(lines.slice(1).every((line) => line.includes(",GET,/v0/report/list,200,success,"))).toBe(true);

  // "report" was granted, only report:list was needed: one click narrows it.
  const scopes = page.getByRole("region", { name: "Scopes granted vs. used" });
  await expect(scopes).toContainText("Suggestion: narrow the scopes to report:list repo:list");
  await scopes.getByRole("button", { name: "Narrow unused scopes" }).click();
  await expect(scopes.getByRole("status")).toHaveText("Scopes narrowed to report:list, repo:list.");
  await page.reload();
  await expect(page.getByRole("region", { name: "Scopes granted vs. used" })).toContainText("Every granted scope was needed.");
});

test("member: sees the usage of an organization-visible token, and a 404 for an admin-only one", async ({ page }) => {
  await signInAndWait(page, "member@acme.test");
  await openWhenLogged(page, `/acme/tokens/${tokens[SHARED].id}`, 4);
  await expect(page.getByTestId("last-used")).toContainText("GET /v0/orgs/{org}/repos");
  await expect(page.getByTestId("quota-remaining")).toHaveText("479 of 500 left");
  await expect(page.getByRole("img", { name: "Last 24 hours, by hour (UTC): 4 requests" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Request log" }).locator("tbody tr").filter({ hasText: AGENT })).toHaveCount(4);
  // Members cannot change scopes; they see the suggestion state only.
  await expect(page.getByRole("button", { name: "Narrow unused scopes" })).toHaveCount(0);

  const hidden = await page.goto(`/acme/tokens/${tokens[HIDDEN].id}`);
  expect(hidden?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  const hiddenCsv = await page.request.get(`/acme/tokens/${tokens[HIDDEN].id}/usage.csv`);
  expect(hiddenCsv.status()).toBe(404);
  expect(await hiddenCsv.text()).not.toContain(AGENT);

  // The org overview lists the shared token among the top tokens, never the admin-only one.
  await page.goto("/acme/usage");
  const top = page.getByRole("region", { name: "Top tokens by volume (30 days)" });
  await expect(top.getByRole("link", { name: SHARED })).toBeVisible();
  await expect(top.getByRole("link", { name: HIDDEN })).toHaveCount(0);
});
