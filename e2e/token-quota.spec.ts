import { join } from "node:path";
import { expect, test, type Locator } from "@playwright/test";
import Database from "better-sqlite3";

import { signInAndWait } from "./support";

// A token whose quota window ended days ago (nobody has called since, so the stored row still
// says 982 left and a reset in the past). The tokens table, the token page's header and its
// usage section must all show it as the next call will find it: full, resetting ahead — never
// "982 / 1,000 · Resets 5 days ago" above "1,000 of 1,000 left".

const NAME = `E2E ended window ${Date.now().toString(36)}`;
const DAY = 24 * 3_600_000;
const dbFile = () => join(process.cwd(), `data/e2e-${process.env.E2E_PORT ?? 3100}`, "keyward.db");

const remainingOf = async (meter: Locator) => Number(await meter.getAttribute("aria-valuenow"));

test("the table, the header and the usage section show one quota for a token whose window has ended", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  await page.goto("/acme/tokens");
  await page.getByRole("button", { name: "Create token" }).click();
  let dialog = page.getByRole("dialog", { name: "Create token" });
  await dialog.getByLabel("Name", { exact: true }).fill(NAME);
  await dialog.getByRole("checkbox", { name: /^repo:list/ }).check();
  await dialog.getByLabel("Quota (requests per window)").fill("1000");
  await dialog.getByLabel("Quota window").selectOption("DAILY");
  await dialog.getByRole("button", { name: "Create token" }).click();
  dialog = page.getByRole("dialog", { name: "Token created" });
  await dialog.getByRole("button", { name: "Done" }).click();
  const href = await page.getByRole("table", { name: "API tokens" }).getByRole("link", { name: NAME, exact: true }).getAttribute("href");

  // The window ended five days ago with 982 left (SQLite stores times as epoch milliseconds).
  const db = new Database(dbFile(), { fileMustExist: true });
  try {
    db.prepare(`UPDATE "ApiToken" SET "quotaRemaining" = 982, "quotaResetAt" = ? WHERE "name" = ?`).run(Date.now() - 5 * DAY, NAME);
  } finally {
    db.close();
  }

  await page.goto(`/acme/tokens?q=${encodeURIComponent(NAME)}`);
  const row = page.getByRole("table", { name: "API tokens" }).getByRole("row").filter({ hasText: NAME });
  await expect(row).toContainText("1,000 / 1,000");
  expect(await remainingOf(row.getByRole("meter", { name: "Quota remaining" }))).toBe(1000);

  await page.goto(href!);
  const header = page.locator("dl").filter({ hasText: "Quota (per day)" }).first();
  const gauge = page.getByTestId("quota-gauge");
  expect(await remainingOf(header.getByRole("meter", { name: "Quota remaining" }))).toBe(1000);
  expect(await remainingOf(gauge.getByRole("meter", { name: "Quota remaining" }))).toBe(1000);
  await expect(gauge.getByTestId("quota-remaining")).toHaveText("1,000 of 1,000 left");

  // Both say when it resets, and it is ahead: the next midnight UTC, never "… ago".
  const resets = page.getByTestId("quota-resets");
  await expect(resets).toHaveCount(2);
  const midnight = new Date(Math.floor(Date.now() / DAY) * DAY + DAY).toISOString();
  for (const time of await resets.all()) {
    await expect(time).toHaveAttribute("datetime", midnight);
    await expect(time).toHaveText(/^(in .+|now)$/);
  }
  await expect(page.locator("main")).not.toContainText(/resets\s+\S*\s*\d*\s*\w+ ago/i);
});
