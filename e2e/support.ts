import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "keyward-demo";

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signInAndWait(page: Page, email: string) {
  await signIn(page, email);
  // Attached, not visible: on a phone the signed-in user sits inside the folded menu.
  await expect(page.getByTestId("signed-in-user")).toBeAttached();
}
