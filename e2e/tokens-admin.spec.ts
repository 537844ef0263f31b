import { expect, test, type Page } from "@playwright/test";

import { signInAndWait } from "./support";

const TOKEN_VALUE = /^kw_[0-9A-Za-z]{36}$/;

// One token's whole life, as an admin does it in the browser, with the audit log showing each step.
test.describe.configure({ mode: "serial" });

async function clipboardText(page: Page) {
  return page.evaluate(() => navigator.clipboard.readText());
}

function tokenRow(page: Page, name: string) {
  return page
    .getByRole("table", { name: "API tokens" })
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name, exact: true }) });
}

async function openRowAction(page: Page, name: string, action: string) {
  await page.getByRole("button", { name: `Actions for ${name}` }).click();
  await page.getByRole("menuitem", { name: action, exact: true }).click();
}

test("admin: create → copy → edit → rotate with and without grace → disable → enable → revoke, all in the audit log", async ({
  page,
  context,
  baseURL,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const name = `E2E deploy ${Date.now().toString(36)}`;
  await signInAndWait(page, "admin@acme.test");
  await expect(page.getByRole("heading", { level: 1, name: "API tokens" })).toBeVisible();

  // Create: bad input first — a field error, and the dialog keeps what was typed.
  await page.getByRole("button", { name: "Create token" }).click();
  let dialog = page.getByRole("dialog", { name: "Create token" });
  await dialog.getByLabel("Quota (requests per window)").fill("-5");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByText("Enter a name.")).toBeVisible();
  await expect(dialog.getByText("The quota cannot be negative.")).toBeVisible();
  await expect(dialog.getByLabel("Quota (requests per window)")).toHaveValue("-5");

  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByRole("checkbox", { name: /^report:read/ }).check();
  await dialog.getByLabel("Quota (requests per window)").fill("500");
  await dialog.getByLabel("Quota window").selectOption("DAILY");
  await dialog.getByRole("button", { name: "Create token" }).click();

  // The value is shown once, with a copy button.
  dialog = page.getByRole("dialog", { name: "Token created" });
  const created = await dialog.getByTestId("secret-value").inputValue();
  expect(created).toMatch(TOKEN_VALUE);
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(dialog.getByText("Copied to the clipboard.")).toBeVisible();
  expect(await clipboardText(page)).toBe(created);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  // The list shows the masked value only, and never the value itself.
  const row = tokenRow(page, name);
  await expect(row).toContainText(`kw_…${created.slice(-4)}`);
  await expect(row).toContainText("Admin only");
  await expect(row).toContainText("500 / 500 per day");
  expect(await page.content()).not.toContain(created);
  // Nor in a fresh server render (HTML plus its inline RSC payload).
  const fresh = await page.request.get(page.url());
  expect(await fresh.text()).toContain(`kw_…${created.slice(-4)}`);
  expect(await fresh.text()).not.toContain(created);

  // Copy from the list: a no-store server action response carries the value.
  await page.evaluate(() => navigator.clipboard.writeText(""));
  const revealResponse = page.waitForResponse((r) => r.request().method() === "POST" && Boolean(r.request().headers()["next-action"]));
  await row.getByRole("button", { name: `Copy value of ${name}` }).click();
  const response = await revealResponse;
  expect(response.headers()["cache-control"]).toContain("no-store");
  await expect(row.getByRole("button", { name: `Copy value of ${name}` })).toContainText("Copied");
  expect(await clipboardText(page)).toBe(created);

  // Edit scopes and visibility: checking a parent checks and locks its children.
  await openRowAction(page, name, "Edit");
  dialog = page.getByRole("dialog", { name: `Edit ${name}` });
  await dialog.getByRole("checkbox", { name: /^report\s*Grants/ }).check();
  await expect(dialog.getByRole("checkbox", { name: /^report:write/ })).toBeChecked();
  await expect(dialog.getByRole("checkbox", { name: /^report:write/ })).toBeDisabled();
  await dialog.getByRole("radio", { name: /Organization members/ }).check();
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status")).toContainText(`Saved “${name}”.`);
  await expect(row.getByRole("list", { name: "Scopes" })).toHaveText("report");
  await expect(row).toContainText("Members");

  // Renaming it to another token's name is asked about; nothing is saved until "Save anyway".
  await openRowAction(page, name, "Edit");
  dialog = page.getByRole("dialog", { name: `Edit ${name}` });
  await dialog.getByLabel("Name", { exact: true }).fill("CI pipeline");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog.getByTestId("duplicate-name-warning")).toContainText("A token with this name already exists.");
  await expect(dialog.getByRole("button", { name: "Save anyway" })).toBeVisible();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(tokenRow(page, name)).toHaveCount(1);

  // Rotate without grace: a new value; the old one stops at once.
  await openRowAction(page, name, "Rotate");
  dialog = page.getByRole("dialog", { name: `Rotate ${name}` });
  await expect(dialog.getByRole("note")).toContainText("Organization members can see this token.");
  await dialog.getByRole("button", { name: "Rotate token" }).click();
  dialog = page.getByRole("dialog", { name: "Token rotated" });
  const rotated = await dialog.getByTestId("secret-value").inputValue();
  expect(rotated).toMatch(TOKEN_VALUE);
  expect(rotated).not.toBe(created);
  await expect(dialog.getByTestId("previous-value-status")).toHaveText("The previous value has stopped working.");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(row).toContainText(`kw_…${rotated.slice(-4)}`);
  await expect(row).toContainText("Members"); // visibility survives rotation

  // Rotate with a one-hour grace period, making it admin-only in the same step.
  await openRowAction(page, name, "Rotate");
  dialog = page.getByRole("dialog", { name: `Rotate ${name}` });
  await dialog.getByLabel("Grace period for the old value").selectOption("1");
  await dialog.getByRole("button", { name: "Make admin-only, then rotate" }).click();
  dialog = page.getByRole("dialog", { name: "Token rotated" });
  await expect(dialog.getByTestId("previous-value-status")).toContainText("The previous value keeps working until");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(row).toContainText("Admin only");

  // Disable, then enable.
  await openRowAction(page, name, "Disable");
  await page
    .getByRole("dialog", { name: `Disable ${name}?` })
    .getByRole("button", { name: "Disable token" })
    .click();
  await expect(row).toContainText("Disabled");
  await openRowAction(page, name, "Enable");
  await page
    .getByRole("dialog", { name: `Enable ${name}?` })
    .getByRole("button", { name: "Enable token" })
    .click();
  await expect(row).toContainText("Active");

  // Revoke: permanent; the row stays, without a copy button.
  await openRowAction(page, name, "Revoke");
  await page
    .getByRole("dialog", { name: `Revoke ${name}?` })
    .getByRole("button", { name: "Revoke token" })
    .click();
  await expect(row).toContainText("Revoked");
  await expect(row.getByRole("button", { name: `Copy value of ${name}` })).toHaveCount(0);

  // The audit log, filtered to this token, shows every step, newest first.
  await openRowAction(page, name, "View audit log");
  await expect(page).toHaveURL(/\/acme\/audit\?token=/);
  await expect(page.getByRole("combobox", { name: "Token" }).locator("option:checked")).toHaveText(name);
  const actions = page.getByRole("table", { name: "Audit log" }).getByRole("row");
  const expected = [
    "Token revoked",
    "Token enabled",
    "Token disabled",
    "Token rotated", // with grace
    "Token updated", // made admin-only just before it
    "Token rotated", // without grace
    "Token updated",
    "Token value revealed",
    "Token created",
  ];
  await expect(actions).toHaveCount(expected.length + 1);
  for (const [index, action] of expected.entries()) {
    const auditRow = actions.nth(index + 1);
    await expect(auditRow).toContainText(action);
    await expect(auditRow).toContainText("admin@acme.test");
  }
  await expect(actions.nth(4)).toContainText("old value kept working for 1 hour");
  await expect(actions.nth(5)).toContainText("visibility: organization members → admin only");
  await expect(actions.nth(6)).toContainText("old value stopped at once");
  await expect(actions.nth(7)).toContainText("scopes: report:read → report");
  await expect(actions.nth(7)).toContainText("visibility: admin only → organization members");

  // Filter by action across the org's log.
  await page.getByRole("combobox", { name: "Token" }).selectOption("");
  await expect(page).not.toHaveURL(/token=/);
  await page.getByLabel("Action").selectOption("token.revoked");
  await expect(page).toHaveURL(/action=token.revoked/);
  await expect(actions.nth(1)).toContainText("Token revoked");
  await expect(actions.filter({ hasText: "Token created" })).toHaveCount(0);
});

test("admin: search, filter and sort the tokens table through the URL", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  const table = page.getByRole("table", { name: "API tokens" });

  await page.getByLabel("Status", { exact: true }).selectOption("disabled");
  await expect(page).toHaveURL(/status=disabled/);
  await expect(table.getByRole("link", { name: "Legacy deploy" })).toBeVisible();
  await expect(table.getByRole("link", { name: "CI pipeline" })).toHaveCount(0);

  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.getByLabel("Search tokens").fill("laptop");
  await expect(page).toHaveURL(/q=laptop/);
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(table.getByRole("link", { name: "Developer laptops" })).toBeVisible();

  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.getByLabel("Scope", { exact: true }).selectOption("repo:list");
  // Granted directly (Legacy deploy) or through its parent "repo" (Security scanner).
  await expect(table.getByRole("link", { name: "Legacy deploy" })).toBeVisible();
  await expect(table.getByRole("link", { name: "Security scanner" })).toBeVisible();
  await expect(table.getByRole("link", { name: "CI pipeline" })).toHaveCount(0);

  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.getByRole("button", { name: "Name" }).click();
  await expect(page).toHaveURL(/sort=name&dir=asc/);
  await expect(table.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "ascending");
  const names = await table.getByRole("row").locator("td:first-child a").allTextContents();
  expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

  // A page reload keeps the state; so does a shared link.
  await page.reload();
  await expect(table.getByRole("columnheader", { name: "Name" })).toHaveAttribute("aria-sort", "ascending");
});
