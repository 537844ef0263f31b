import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

import { signInAndWait } from "./support";

// Incident response as an admin does it: every organization-visible token with report:write is
// rotated in one action with a 1-hour grace period; the audit trail shows each new value (never
// the value itself); the old values keep working until "end grace now". Then a leak report.
test.describe.configure({ mode: "serial" });

const TARGETS = ["CI pipeline", "Developer laptops"];

function tokenRow(page: Page, name: string) {
  return page
    .getByRole("table", { name: "API tokens" })
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name, exact: true }) });
}

/** The token's current value, copied from the tokens list as an admin would (the copy is audited). */
async function copyValue(page: Page, name: string): Promise<string> {
  await page.goto("/acme/tokens");
  await page.evaluate(() => navigator.clipboard.writeText(""));
  await tokenRow(page, name)
    .getByRole("button", { name: `Copy value of ${name}` })
    .click();
  await expect(tokenRow(page, name).getByRole("button", { name: `Copy value of ${name}` })).toContainText("Copied");
  return page.evaluate(() => navigator.clipboard.readText());
}

async function quotaStatus(request: APIRequestContext, token: string): Promise<number> {
  const response = await request.get("/v0/quota", { headers: { authorization: `Bearer ${token}` } });
  return response.status();
}

const oldValues = new Map<string, string>();
const newValues = new Map<string, string>();

test("rotate every organization-visible report:write token in one action, with a 1-hour grace period", async ({
  page,
  context,
  baseURL,
  request,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  await signInAndWait(page, "admin@acme.test");
  for (const name of TARGETS) {
    const value = await copyValue(page, name);
    expect(value).toMatch(/^kw_/);
    oldValues.set(name, value);
    expect(await quotaStatus(request, value)).toBe(200);
  }

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Incidents" }).click();
  await page.getByRole("link", { name: "New bulk operation" }).click();
  await page.getByLabel("Visibility").selectOption("ORGANIZATION");
  await page.getByLabel("Has scope").selectOption("report:write");
  await page.getByRole("button", { name: "Preview tokens" }).click();

  const rows = page.getByTestId("candidate-row");
  for (const name of TARGETS) await expect(rows.filter({ hasText: name })).toHaveCount(1);
  const count = Number(await page.getByTestId("match-count").textContent());
  await expect(rows).toHaveCount(count);
  for (const row of await rows.all()) {
    await expect(row).toContainText("Organization members");
    await expect(row.getByRole("list", { name: "Scopes" })).toContainText(/report(:write)?/);
  }
  // Not organization-visible: not selected.
  await expect(rows.filter({ hasText: "Security scanner" })).toHaveCount(0);

  await expect(page.getByLabel("Action")).toHaveValue("ROTATE");
  await expect(page.getByLabel("Grace period for the old values")).toHaveValue("1");
  // The confirmation is checked by the server: a wrong slug changes nothing.
  await page.getByLabel(/Type acme to confirm/).fill("acme-typo");
  await page.getByRole("button", { name: `Rotate ${count} token${count === 1 ? "" : "s"}` }).click();
  await expect(page.getByText("Type acme exactly to confirm.")).toBeVisible();
  expect(await quotaStatus(request, oldValues.get(TARGETS[0])!)).toBe(200);

  await page.getByLabel(/Type acme to confirm/).fill("acme");
  await page.getByRole("button", { name: `Rotate ${count} token${count === 1 ? "" : "s"}` }).click();
  await expect(page).toHaveURL(/\/acme\/incidents\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("incident-status")).toHaveText("Completed");
  await expect(page.getByTestId("incident-progress")).toContainText(`${count} of ${count} processed: ${count} done`);
  const incidentUrl = page.url();

  // The audit trail: one rotation per token, each naming its new value by last four and hash prefix.
  const trail = page.getByTestId("trail-event").filter({ hasText: "token.rotated" });
  await expect(trail).toHaveCount(count);
  for (const name of TARGETS) {
    const event = trail.filter({ hasText: name });
    await expect(event).toHaveCount(1);
    const oldValue = oldValues.get(name)!;
    await expect(event.getByTestId("trail-new-value")).toContainText(`…${oldValue.slice(-4)} → …`);
    await expect(event.getByTestId("trail-new-value")).toContainText(/sha256 [0-9a-f]{12}…/);
  }
  expect(await page.content()).not.toContain(oldValues.get(TARGETS[0])!);

  // Each new value is the one the trail names; old and new values both work during the grace period.
  for (const name of TARGETS) {
    const value = await copyValue(page, name);
    expect(value).not.toBe(oldValues.get(name));
    newValues.set(name, value);
  }
  await page.goto(incidentUrl);
  for (const name of TARGETS) {
    await expect(trail.filter({ hasText: name }).getByTestId("trail-new-value")).toContainText(`→ …${newValues.get(name)!.slice(-4)}`);
    expect(await quotaStatus(request, oldValues.get(name)!)).toBe(200);
    expect(await quotaStatus(request, newValues.get(name)!)).toBe(200);
  }

  // Grace-period traffic: the requests just made with the old values are listed per token.
  await page.goto("/acme/incidents");
  const graceRows = page.getByTestId("grace-row");
  for (const name of TARGETS) {
    await expect(async () => {
      await page.reload();
      await expect(graceRows.filter({ hasText: name }).getByTestId("grace-requests")).not.toHaveText("0", { timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await expect(graceRows.filter({ hasText: name })).toContainText(
      `kw_…${oldValues.get(name)!.slice(-4)} → kw_…${newValues.get(name)!.slice(-4)}`,
    );
  }

  // End grace now, for the whole operation: the old values stop, the new ones keep working.
  await page.goto(incidentUrl);
  await page.getByRole("button", { name: "End grace now" }).click();
  // The product's own dialog, not the browser's confirm().
  await page.getByRole("dialog", { name: "End the grace period now?" }).getByRole("button", { name: "End grace now" }).click();
  await expect(page.getByTestId("grace-over")).toHaveText("The old values of these tokens no longer work.");
  for (const name of TARGETS) {
    expect(await quotaStatus(request, oldValues.get(name)!)).toBe(401);
    expect(await quotaStatus(request, newValues.get(name)!)).toBe(200);
  }
  await expect(page.getByRole("button", { name: "End grace now" })).toHaveCount(0);
  await expect(page.getByTestId("trail-event").filter({ hasText: "token.grace_ended" })).toHaveCount(count);
});

test("which token is this: an old value is recognized, with who copied the token", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  await page.goto("/acme/incidents/lookup");
  const oldValue = oldValues.get(TARGETS[0])!;
  await page.getByLabel(/Text that contains a token/).fill(`2026-01-01 GET /v0/quota Authorization: Bearer ${oldValue}`);
  await page.getByRole("button", { name: "Look up" }).click();
  const match = page.getByTestId("lookup-match");
  await expect(match).toContainText(TARGETS[0]);
  await expect(match).toContainText("an old value that no longer works");
  await expect(match).toContainText("admin@acme.test");
});

test("a leaked-token report disables the token and shows the admins a banner", async ({ page, request }) => {
  const leaked = newValues.get(TARGETS[1])!;
  const response = await request.post("/v0/leaked-tokens", {
    data: [{ token: leaked, type: "keyward_api_token", url: "https://github.com/example/app/blob/main/.env", source: "content" }],
  });
  expect(response.status()).toBe(202);
  const junk = await request.post("/v0/leaked-tokens", { data: { tokens: ["kw_nothing"] } });
  expect(await junk.text()).toBe(await response.text());
  await expect.poll(() => quotaStatus(request, leaked)).toBe(401);

  await signInAndWait(page, "admin@acme.test");
  await expect(page.getByTestId("leak-banner")).toContainText("1 token was reported leaked");
  await page.getByTestId("leak-banner").getByRole("link").click();
  await expect(page.getByTestId("leaked-token").filter({ hasText: TARGETS[1] })).toContainText(
    "https://github.com/example/app/blob/main/.env",
  );
  await page.getByTestId("leaked-token").filter({ hasText: TARGETS[1] }).getByRole("button", { name: "Dismiss" }).click();
  await expect(page.getByTestId("leak-banner")).toHaveCount(0);
});

test("members see no incidents page and no banner", async ({ page }) => {
  await signInAndWait(page, "member@acme.test");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Incidents" })).toHaveCount(0);
  await page.goto("/acme/incidents");
  await expect(page.getByText("Only organization admins can see this page.")).toBeVisible();
});
