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
