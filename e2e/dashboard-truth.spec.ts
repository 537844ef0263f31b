import { expect, test, type Page } from "@playwright/test";
import { signInAndWait } from "./support";

// What the dashboard tells people must be true: values can be revealed again (audited), limits
// are stated instead of applied silently, incident pages keep up, the audit log reads as English.
test.describe.configure({ mode: "serial" });

const unique = (label: string) => `${label} ${Date.now().toString(36)}`;

async function openCreateDialog(page: Page) {
  await page.goto("/acme/tokens");
  await page.getByRole("button", { name: "Create token" }).click();
  return page.getByRole("dialog", { name: "Create token" });
}

test("create and rotate dialogs say the value can be revealed again, audited, and by whom", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  const name = unique("Truthful");
  let dialog = await openCreateDialog(page);
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByRole("checkbox", { name: /^report:read/ }).check();
  await dialog.getByRole("button", { name: "Create token" }).click();

  dialog = page.getByRole("dialog", { name: "Token created" });
  await expect(dialog.getByTestId("secret-value")).toHaveValue(/^kw_/);
  await expect(dialog).not.toContainText("shown once");
  const note = dialog.getByTestId("reveal-again-note");
  await expect(note).toContainText("reveal or copy it again later");
  await expect(note).toContainText("recorded in the audit log");
  await expect(note).toContainText("only admins can reveal it");
  await dialog.getByRole("button", { name: "Done" }).click();

  // An organization-visible token: the rotate dialog says members can reveal the new value.
  await page.getByRole("button", { name: "Actions for CI pipeline" }).click();
  await page.getByRole("menuitem", { name: "Rotate", exact: true }).click();
  dialog = page.getByRole("dialog", { name: "Rotate CI pipeline" });
  await dialog.getByRole("button", { name: "Rotate token" }).click();
  dialog = page.getByRole("dialog", { name: "Token rotated" });
  await expect(dialog).not.toContainText("shown once");
  await expect(dialog.getByTestId("reveal-again-note")).toContainText("members can reveal it too");
  await dialog.getByRole("button", { name: "Done" }).click();
});

test("the create form states its limits: a long name is not cut, no scope and a quota of 0 are field errors, a duplicate name asks first", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  const dialog = await openCreateDialog(page);
  const nameInput = dialog.getByLabel("Name", { exact: true });

  // A 10,000-character paste stays as pasted, and the field says what is wrong.
  await nameInput.fill("x".repeat(10_000));
  await expect(nameInput).toHaveValue("x".repeat(10_000));
  await expect(dialog.getByTestId("name-length")).toHaveText("10,000 / 100");
  await expect(dialog.getByText("Use at most 100 characters (this name has 10,000).")).toBeVisible();
  await expect(nameInput).toHaveAttribute("aria-invalid", "true");

  // No scope checked and a quota of 0: each refused beside its field.
  await nameInput.fill("CI pipeline");
  await expect(dialog.getByTestId("name-length")).toHaveText("11 / 100");
  await dialog.getByLabel("Quota (requests per window)").fill("0");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.locator("#scopes-error")).toHaveText("Choose at least one scope.");
  await expect(dialog.locator("#quotaMax-error")).toContainText("The quota is at least 1 request per window.");

  // "CI pipeline" exists: a warning, nothing created, until the admin creates it anyway.
  await dialog.getByRole("checkbox", { name: /^report:read/ }).check();
  await dialog.getByLabel("Quota (requests per window)").fill("10");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByTestId("duplicate-name-warning")).toContainText("A token with this name already exists.");
  await expect(dialog.locator("#name-error")).toContainText("“CI pipeline” already exists");
  await dialog.getByRole("button", { name: "Create anyway" }).click();
  const created = page.getByRole("dialog", { name: "Token created" });
  await expect(created.getByTestId("secret-value")).toHaveValue(/^kw_/);
  await created.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("table", { name: "API tokens" }).getByRole("link", { name: "CI pipeline", exact: true })).toHaveCount(2);
});
