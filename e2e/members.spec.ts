import { randomUUID } from "node:crypto";
import { expect, test, type Browser, type Page } from "@playwright/test";
import Database from "better-sqlite3";

import { e2eFakePorts } from "../tests/support/e2e-fakes";
import { signInAndWait } from "./support";

const NEW_PASSWORD = "a brand new password";
const MAILBOX = `${e2eFakePorts().githubUrl}/__mailbox`;

/** The invitation link in the newest mail to `to`, as the test SMTP server received it. */
async function invitationLinkMailedTo(to: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(async () => {
      const mails = (await (await fetch(`${MAILBOX}?to=${encodeURIComponent(to)}`)).json()) as { text: string }[];
      link = /https?:\/\/\S+\/invite\/kwi_[A-Za-z0-9_-]{43}/.exec(mails.at(-1)?.text ?? "")?.[0];
      return link;
    })
    .toBeTruthy();
  return link!;
}

async function inviteByEmail(admin: Page, email: string) {
  await admin.goto("/acme/members");
  await admin.getByLabel("Email addresses").fill(email);
  await admin.getByLabel("Role", { exact: true }).selectOption("MEMBER");
  await admin.getByRole("button", { name: "Send invitations" }).click();
  await expect(admin.getByText(`Invitation emailed to ${email}.`)).toBeVisible();
  return invitationLinkMailedTo(email);
}

/** A new person opens their invitation in their own browser, sets a password and joins. */
async function acceptAsNewPerson(browser: Browser, link: string, name: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(new URL(link).pathname);
  await expect(page.getByRole("heading", { name: "Join Acme Inc. on Keyward" })).toBeVisible();
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Password", { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel("Confirm password").fill(NEW_PASSWORD);
  await page.getByRole("button", { name: "Create account and join" }).click();
  await expect(page).toHaveURL(/\/acme\/tokens$/);
  return { context, page };
}

test.describe("members and invitations", () => {
  test("an admin invites new@acme.test by email; the invitee sets a password and sees organization tokens only", async ({
    page,
    browser,
  }) => {
    await signInAndWait(page, "admin@acme.test");
    const link = await inviteByEmail(page, "new@acme.test");
    await expect(page.getByRole("table", { name: "Open invitations" })).toContainText("new@acme.test");

    const invitee = await acceptAsNewPerson(browser, link, "Nia New");
    await expect(invitee.page.getByTestId("signed-in-user")).toContainText("Nia New");
    await expect(invitee.page.getByTestId("signed-in-user")).toContainText("Member");
    // Organization-visible demo tokens, and none of the admin-only ones.
    await expect(invitee.page.getByText("CI pipeline")).toBeVisible();
    await expect(invitee.page.getByText("Developer laptops")).toBeVisible();
    await expect(invitee.page.getByText("Security scanner")).toHaveCount(0);
    await expect(invitee.page.getByText("Token automation")).toHaveCount(0);

    // The admin sees them as a member; the invitation is no longer open.
    await page.reload();
    await expect(page.getByRole("table", { name: "Members" })).toContainText("new@acme.test");
    await expect(page.getByRole("table", { name: "Members" })).toContainText("Nia New");
    await expect(page.getByRole("region", { name: "Open invitations", exact: true })).not.toContainText("new@acme.test");

    // The link worked once.
    const reuse = await browser.newPage();
    const response = await reuse.goto(new URL(link).pathname);
    expect(response?.status()).toBe(200);
    await expect(reuse.getByRole("heading", { name: "This invitation has already been used" })).toBeVisible();

    // Invited to a second org while signed in: it shows up in the org switcher and joins from there.
    const globex = await browser.newPage();
    await signInAndWait(globex, "admin@globex.test");
    await globex.goto("/globex/members");
    await globex.getByLabel("Email addresses").fill("new@acme.test");
    await globex.getByRole("button", { name: "Send invitations" }).click();
    await expect(globex.getByText("Invitation emailed to new@acme.test.")).toBeVisible();
    await invitee.page.reload();
    await invitee.page.getByLabel("Organization").selectOption({ label: "Join Globex" });
    await expect(invitee.page).toHaveURL(/\/globex\/tokens$/);
    await expect(invitee.page.getByLabel("Organization")).toHaveValue("globex");
    await invitee.context.close();
    await globex.context().close();
  });

  test("a removed member's next server action and next page load are refused", async ({ page, browser }) => {
    const email = `leaver-${randomUUID().slice(0, 6)}@acme.test`;
    await signInAndWait(page, "admin@acme.test");
    const member = await acceptAsNewPerson(browser, await inviteByEmail(page, email), "Rita Removed");
    await member.page.goto("/acme/members");
    await expect(member.page.getByRole("table", { name: "Members" })).toContainText("admin@acme.test");
    // Members view the list; managing it is for admins.
    await expect(member.page.getByRole("heading", { name: "Invite people" })).toHaveCount(0);
    await expect(member.page.getByRole("combobox", { name: /^Role of / })).toHaveCount(0);
    await expect(member.page.getByRole("button", { name: /^Remove / })).toHaveCount(0);

    await page.goto("/acme/members");
    await page.getByRole("button", { name: `Remove ${email}` }).click();
    await page.getByRole("button", { name: "Remove member", exact: true }).click();
    await expect(page.getByRole("heading", { name: `${email} was removed` })).toBeVisible();
    await expect(page.getByRole("table", { name: "Members" })).not.toContainText(email);

    // The page the removed member still has open: their next action is refused.
    await member.page.getByRole("button", { name: "Leave organization" }).click();
    await member.page.getByRole("button", { name: "Leave", exact: true }).click();
    await expect(member.page.getByRole("alert").filter({ hasText: /\S/ })).toHaveText("Your session has ended. Sign in again.");

    // Their next page load: the session is gone.
    await member.page.goto("/acme/tokens");
    await expect(member.page).toHaveURL(/\/sign-in/);
    // Signing in again does not bring Acme back: it is a 404 like any org they do not belong to.
    await member.page.getByLabel("Email").fill(email);
    await member.page.getByLabel("Password").fill(NEW_PASSWORD);
    await member.page.getByRole("button", { name: "Sign in" }).click();
    // Sign-in returns them to where they were going: Acme, now a 404.
    await expect(member.page.getByRole("heading", { name: "Page not found" })).toBeVisible();
    const acme = await member.page.goto("/acme/tokens");
    expect(acme?.status()).toBe(404);
    await member.page.goto("/");
    await expect(member.page.getByRole("heading", { name: "No organization yet" })).toBeVisible();
    await member.context.close();
  });

  test("the last admin can be neither demoted nor leave", async ({ page }) => {
    await signInAndWait(page, "admin@acme.test");
    await page.goto("/acme/members");
    const ownRole = page.getByLabel("Role of admin@acme.test");
    await ownRole.selectOption("MEMBER");
    await page.getByRole("button", { name: "Save the role of admin@acme.test" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "at least one admin" })).toBeVisible();

    await page.getByRole("button", { name: "Leave organization" }).click();
    await page.getByRole("button", { name: "Leave", exact: true }).click();
    await expect(page.getByRole("dialog").getByRole("alert")).toHaveText(
      "An organization needs at least one admin. Make someone else an admin first.",
    );
    await page.goto("/acme/members");
    await expect(page.getByTestId("signed-in-user")).toContainText("Admin");
  });

  test("revoked, expired, re-sent and made-up invitation links each get a clear page", async ({ page, browser }) => {
    await signInAndWait(page, "admin@acme.test");
    const revokedEmail = `revoked-${randomUUID().slice(0, 6)}@acme.test`;
    const revokedLink = await inviteByEmail(page, revokedEmail);
    await page.getByRole("button", { name: `Revoke the invitation to ${revokedEmail}` }).click();
    // The product's own dialog, not the browser's confirm().
    await page.getByRole("dialog", { name: "Revoke this invitation?" }).getByRole("button", { name: "Revoke invitation" }).click();
    await expect(page.getByRole("region", { name: "Open invitations", exact: true })).not.toContainText(revokedEmail);

    const expiredEmail = `expired-${randomUUID().slice(0, 6)}@acme.test`;
    const expiredLink = await inviteByEmail(page, expiredEmail);
    // Seven days cannot pass in a test: move the expiry into the past in the server's database.
    const database = new Database(`data/e2e-${process.env.E2E_PORT ?? 3100}/keyward.db`);
    database.prepare(`UPDATE "Invitation" SET "expiresAt" = ? WHERE "email" = ?`).run(Date.now() - 60_000, expiredEmail);
    database.close();

    const resentEmail = `resent-${randomUUID().slice(0, 6)}@acme.test`;
    const firstLink = await inviteByEmail(page, resentEmail);
    await page.getByRole("button", { name: `Re-send the invitation to ${resentEmail}` }).click();
    await expect(page.getByText(`Sent a new link to ${resentEmail}. The old link no longer works.`)).toBeVisible();
    await expect.poll(() => invitationLinkMailedTo(resentEmail)).not.toBe(firstLink);

    const visitor = await browser.newPage();
    const pages: [string, string][] = [
      [revokedLink, "This invitation was revoked"],
      [expiredLink, "This invitation has expired"],
      [firstLink, "This invitation link is not valid"],
      [`/invite/kwi_${"x".repeat(43)}`, "This invitation link is not valid"],
      ["/invite/not-even-close", "This invitation link is not valid"],
    ];
    for (const [link, heading] of pages) {
      const response = await visitor.goto(link.startsWith("http") ? new URL(link).pathname : link);
      expect(response?.status(), link).toBe(200);
      await expect(visitor.getByRole("heading", { level: 1 })).toHaveText(heading);
    }
    // The re-sent link works.
    const fresh = await browser.newContext();
    const freshPage = await fresh.newPage();
    await freshPage.goto(new URL(await invitationLinkMailedTo(resentEmail)).pathname);
    await expect(freshPage.getByRole("heading", { name: "Join Acme Inc. on Keyward" })).toBeVisible();
    await fresh.close();
  });
});
