import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";

import { e2eFakePorts } from "../tests/support/e2e-fakes";

const FAKE_GITHUB = e2eFakePorts().githubUrl;
// Next.js reports 127.0.0.1 as "localhost" to Auth.js, which therefore sends GitHub back to
// localhost; the OAuth state and PKCE cookies must have been set on that same host.
const APP = `http://localhost:${process.env.E2E_PORT ?? 3100}`;

/** Registers an account with the local GitHub stand-in. */
async function githubAccount(login: string, opts: { name: string; email: string }) {
  const response = await fetch(`${FAKE_GITHUB}/__fake/users`, {
    method: "POST",
    body: JSON.stringify({
      id: Math.floor(Math.random() * 1e9),
      login,
      name: opts.name,
      emails: [{ email: opts.email, primary: true, verified: true }],
    }),
  });
  expect(response.status).toBe(201);
}

test.describe("GitHub sign-in", () => {
  test("a GitHub-login invitation is accepted by signing in through GitHub", async ({ page, browser }) => {
    const login = `octo-${randomUUID().slice(0, 6)}`;
    await githubAccount(login, { name: "Octo Newbie", email: `${login}@github.test` });

    await page.goto(`${APP}/sign-in`);
    await page.getByLabel("Email").fill("admin@acme.test");
    await page.getByLabel("Password").fill("keyward-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-user")).toBeVisible();
    await page.goto(`${APP}/acme/members`);
    await page.getByLabel("By GitHub login").check();
    await page.getByLabel("GitHub logins").fill(`@${login}`);
    await page.getByRole("button", { name: "Send invitations" }).click();
    const linkField = page.getByLabel(`Invitation link for @${login}`, { exact: true });
    await expect(linkField).toHaveValue(/\/invite\/kwi_/);
    await expect(linkField).toHaveAccessibleDescription(/never shown again/);
    const link = new URL(await linkField.inputValue());

    const invitee = await browser.newPage();
    await invitee.goto(`${APP}${link.pathname}`);
    await expect(invitee.getByText(`Sign in with the GitHub account @${login} to join.`)).toBeVisible();
    await invitee.getByRole("button", { name: "Continue with GitHub" }).click();
    // GitHub's authorize page (the local stand-in), then back through Keyward's OAuth callback.
    await expect(invitee.getByRole("heading", { name: "Authorize Keyward" })).toBeVisible();
    expect((await invitee.context().cookies()).map((c) => c.name)).toContain("keyward-invite");
    await invitee.getByLabel("GitHub login").fill(login);
    await invitee.getByRole("button", { name: "Authorize" }).click();
    await expect(invitee).toHaveURL(/\/acme\/tokens$/);
    await expect(invitee.getByTestId("signed-in-user")).toContainText("Octo Newbie");
    await expect(invitee.getByTestId("signed-in-user")).toContainText("Member");
    // The invitation cookie that carried the link through GitHub is gone once used.
    expect((await invitee.context().cookies()).map((c) => c.name)).not.toContain("keyward-invite");

    await page.reload();
    await expect(page.getByRole("table", { name: "Members" })).toContainText(`@${login}`);
    await invitee.context().close();
  });

  test("a GitHub account nobody invited is told so on the sign-in page", async ({ page }) => {
    const login = `stranger-${randomUUID().slice(0, 6)}`;
    await githubAccount(login, { name: "Stranger", email: `${login}@github.test` });
    await page.goto(`${APP}/sign-in`);
    await page.getByRole("button", { name: "Continue with GitHub" }).click();
    await page.getByLabel("GitHub login").fill(login);
    await page.getByRole("button", { name: "Authorize" }).click();
    await expect(page).toHaveURL(/\/sign-in\?error=GitHubNoAccount/);
    await expect(page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText(
      "No Keyward account belongs to this GitHub account. Ask an admin of your organization to invite you.",
    );
  });
});
