import { expect, test } from "@playwright/test";

import { signIn, signInAndWait } from "./support";

test.describe("signing in and the dashboard shell", () => {
  test("an admin signs in and sees the shell with every section", async ({ page }) => {
    await signInAndWait(page, "admin@acme.test");
    await expect(page).toHaveURL(/\/acme\/tokens$/);
    await expect(page.getByTestId("signed-in-user")).toContainText("Ada Admin");
    await expect(page.getByTestId("signed-in-user")).toContainText("Admin");
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const section of ["Tokens", "Members", "Usage", "Audit log"]) {
      await nav.getByRole("link", { name: section }).click();
      await expect(page.getByRole("heading", { level: 1, name: section === "Tokens" ? "API tokens" : section })).toBeVisible();
    }
    await expect(page.getByLabel("Organization")).toHaveValue("acme");
  });

  test("a member signs in, sees the shell, and gets a 404 for another org", async ({ page }) => {
    await signInAndWait(page, "member@acme.test");
    await expect(page.getByTestId("signed-in-user")).toContainText("Member");
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" })).toHaveCount(0);
    const otherOrg = await page.goto("/globex");
    expect(otherOrg?.status()).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    const missingOrg = await page.goto("/no-such-org/tokens");
    expect(missingOrg?.status()).toBe(404);
  });

  test("unknown email and wrong password get the same message", async ({ page }) => {
    await signIn(page, "admin@acme.test", "wrong-password");
    const formAlert = () => page.getByRole("alert").filter({ hasText: /\S/ });
    await expect(formAlert()).toHaveText("Incorrect email or password.");
    await signIn(page, "nobody@acme.test", "wrong-password");
    await expect(formAlert()).toHaveText("Incorrect email or password.");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("signing out ends the session", async ({ page, context }) => {
    await signInAndWait(page, "admin@globex.test");
    await expect(page).toHaveURL(/\/globex\/tokens$/);
    const cookiesWhileSignedIn = await context.cookies();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in/);
    // Replaying the old session cookie does not bring the session back.
    await context.addCookies(cookiesWhileSignedIn);
    await page.goto("/globex/tokens");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("signed-out visitors are sent to sign-in", async ({ page }) => {
    await page.goto("/acme/members");
    await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Facme/);
  });
});
