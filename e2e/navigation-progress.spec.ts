import { expect, test } from "@playwright/test";

import { signInAndWait } from "./support";

// A slow page shows a progress bar at the top from the click until it has rendered.

test("a progress bar shows while the next page loads, and goes when it has rendered", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  const bar = page.getByRole("progressbar", { name: "Loading the page" });
  await expect(bar).toHaveCount(0);

  // Hold the next page's data (Next.js fetches it as an RSC request) until the bar has been seen.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route("**/acme/members**", async (route) => {
    if (route.request().headers()["rsc"] === "1") await held;
    await route.continue();
  });

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" }).click();
  await expect(bar).toBeVisible();
  release();
  await expect(page).toHaveURL(/\/acme\/members$/);
  await expect(page.getByRole("heading", { level: 1, name: "Members" })).toBeVisible();
  await expect(bar).toHaveCount(0);
});
