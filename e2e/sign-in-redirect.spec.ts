import { expect, test, type Page } from "@playwright/test";

import { DEMO_PASSWORD, signInAndWait } from "./support";

// A sign-in link carrying a callbackUrl that a browser reads as another host ("/\", "/<tab>/",
// "//") must still end on Keyward's dashboard. Any request to another origin is caught and
// recorded here, so "left the site" is observed, not inferred from a failed DNS lookup.
const HOSTILE_CALLBACKS = [
  "/%5Cevil.example",
  "/%09/evil.example",
  "/%5C%5Cevil.example",
  "//evil.example",
  "https://evil.example/",
  "javascript:alert(document.domain)",
];

async function recordOffsiteRequests(page: Page, baseURL: string): Promise<string[]> {
  const site = new URL(baseURL).origin;
  const offsite: string[] = [];
  await page.route(
    (url) => url.origin !== site,
    (route) => {
      offsite.push(route.request().url());
      return route.fulfill({ status: 200, contentType: "text/html", body: "<h1>evil.example</h1>" });
    },
  );
  return offsite;
}

test.describe("callbackUrl after sign-in", () => {
  for (const callback of HOSTILE_CALLBACKS) {
    test(`a signed-in user following /sign-in?callbackUrl=${callback} stays on the dashboard`, async ({ page, baseURL }) => {
      const offsite = await recordOffsiteRequests(page, baseURL!);
      await signInAndWait(page, "admin@acme.test");
      await page.goto(`/sign-in?callbackUrl=${callback}`);
      await expect(page.getByTestId("signed-in-user")).toBeVisible();
      expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
      expect(offsite).toEqual([]);
    });
  }

  test("signing in through a hostile link lands on the dashboard", async ({ page, baseURL }) => {
    const offsite = await recordOffsiteRequests(page, baseURL!);
    await page.goto("/sign-in?callbackUrl=/%5Cevil.example");
    await page.getByLabel("Email").fill("admin@acme.test");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-user")).toBeVisible();
    await expect(page).toHaveURL(/\/acme\/tokens$/);
    expect(offsite).toEqual([]);
  });

  test("a path on this site is still followed", async ({ page }) => {
    await signInAndWait(page, "admin@acme.test");
    await page.goto("/sign-in?callbackUrl=%2Facme%2Fmembers");
    await expect(page).toHaveURL(/\/acme\/members$/);
    await expect(page.getByRole("heading", { level: 1, name: "Members" })).toBeVisible();
  });
});
