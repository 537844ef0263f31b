import { expect, test, type Locator, type Page } from "@playwright/test";

import { signInAndWait } from "./support";

// An admin limits a token to some networks, on a phone-sized screen: a bad range is named beside
// the field, the detail page lists the ranges, and the edit form starts from them.
test.use({ viewport: { width: 390, height: 844 } });

/** Nothing sticks out sideways: the dialog fits the screen, so no side-scrolling to reach the field. */
async function expectFitsWidth(page: Page, element: Locator) {
  const box = (await element.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
}

test("admin: creates a token with allowed networks, sees them on its page, edits them back to any address", async ({ page }) => {
  const name = `E2E office ${Date.now().toString(36)}`;
  await signInAndWait(page, "admin@acme.test");
  await page.getByRole("button", { name: "Create token" }).click();
  let dialog = page.getByRole("dialog", { name: "Create token" });
  const networks = dialog.getByLabel("Allowed networks");
  await expect(dialog.getByText("Leave empty to allow any address. Calls from elsewhere are refused (403).")).toBeVisible();
  await expectFitsWidth(page, networks);

  // A bad range: the error is announced beside the field, and what was typed stays.
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByRole("checkbox", { name: /^report:read/ }).check();
  await networks.fill("203.0.113.7/24\n10.0.0.0/33");
  await dialog.getByRole("button", { name: "Create token" }).click();
  const error = dialog.locator("#allowedNetworks-error");
  await expect(error).toHaveText('Not a CIDR range: "10.0.0.0/33". Use ranges such as 203.0.113.0/24 or 2001:db8::/32.');
  await expect(error).toHaveAttribute("aria-live", "polite");
  await expect(networks).toHaveAttribute("aria-invalid", "true");
  await expect(networks).toHaveAttribute("aria-describedby", /allowedNetworks-error/);
  await expect(networks).toHaveValue("203.0.113.7/24\n10.0.0.0/33");
  await expectFitsWidth(page, error);

  await networks.fill("203.0.113.7/24\n2001:DB8::/32");
  await dialog.getByRole("button", { name: "Create token" }).click();
  dialog = page.getByRole("dialog", { name: "Token created" });
  await dialog.getByRole("button", { name: "Done" }).click();

  // The detail page lists the ranges as stored (network address, lower-case).
  await page.getByRole("table", { name: "API tokens" }).getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByRole("list", { name: "Allowed networks" }).getByRole("listitem")).toHaveText(["203.0.113.0/24", "2001:db8::/32"]);
  // Created by an admin who still is one: no former-admin note.
  await expect(page.getByText("Created by a former admin")).toHaveCount(0);

  // The edit form starts from the stored list; emptying it allows any address again.
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  dialog = page.getByRole("dialog", { name: `Edit ${name}` });
  await expect(dialog.getByLabel("Allowed networks")).toHaveValue("203.0.113.0/24\n2001:db8::/32");
  await dialog.getByLabel("Allowed networks").fill("");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved" })).toHaveText(`Saved “${name}”.`);
  await expect(page.getByRole("list", { name: "Allowed networks" })).toHaveCount(0);
  await expect(page.getByRole("definition").filter({ hasText: "Any address" })).toBeVisible();
});
