import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { expect, test, type Page } from "@playwright/test";
import Database from "better-sqlite3";

import { signInAndWait } from "./support";

// What the dashboard tells people must be true: values can be revealed again (audited), limits
// are stated instead of applied silently, incident pages keep up, the audit log reads as English.
test.describe.configure({ mode: "serial" });

const dbFile = () => join(process.cwd(), `data/e2e-${process.env.E2E_PORT ?? 3100}`, "keyward.db");

/** Runs SQL on the server's database: how a test stands in for a bulk runner working elsewhere. */
function withDatabase<T>(run: (db: Database.Database) => T): T {
  const db = new Database(dbFile(), { fileMustExist: true });
  try {
    return run(db);
  } finally {
    db.close();
  }
}

const unique = (label: string) => `${label} ${Date.now().toString(36)}`;
/** Created by the first test; later tests reuse it so seeded names other specs rely on stay unique. */
let truthfulName = "";

async function openCreateDialog(page: Page) {
  await page.goto("/acme/tokens");
  await page.getByRole("button", { name: "Create token" }).click();
  return page.getByRole("dialog", { name: "Create token" });
}

test("create and rotate dialogs say the value can be revealed again, audited, and by whom", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  const name = unique("Truthful");
  truthfulName = name;
  let dialog = await openCreateDialog(page);
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByRole("checkbox", { name: /^report:read/ }).check();
  await dialog.getByRole("button", { name: "Create token" }).click();

  dialog = page.getByRole("dialog", { name: "Token created" });
  await expect(dialog.getByTestId("secret-value")).toHaveValue(/^kw_/);
  await expect(dialog.getByTestId("secret-value")).toBeFocused();
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
  await expect(dialog.getByTestId("secret-value")).toBeFocused();
  await expect(dialog).not.toContainText("shown once");
  await expect(dialog.getByTestId("reveal-again-note")).toContainText("members can reveal it too");
  await dialog.getByRole("button", { name: "Done" }).click();
});

test("the create form states its limits: a long name is not cut, no scope and a quota of 0 are field errors, a duplicate name asks first", async ({
  page,
}) => {
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
  await nameInput.fill(truthfulName);
  await expect(dialog.getByTestId("name-length")).toHaveText(`${truthfulName.length} / 100`);
  await dialog.getByLabel("Quota (requests per window)").fill("0");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.locator("#scopes-error")).toHaveText("Choose at least one scope.");
  await expect(dialog.locator("#quotaMax-error")).toContainText("The quota is at least 1 request per window.");

  // The name exists (made by the first test): a warning, nothing created, until the admin creates it anyway.
  await dialog.getByRole("checkbox", { name: /^report:read/ }).check();
  await dialog.getByLabel("Quota (requests per window)").fill("10");
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByTestId("duplicate-name-warning")).toContainText("A token with this name already exists.");
  await expect(dialog.locator("#name-error")).toContainText(`“${truthfulName}” already exists`);
  await dialog.getByRole("button", { name: "Create anyway" }).click();
  const created = page.getByRole("dialog", { name: "Token created" });
  await expect(created.getByTestId("secret-value")).toHaveValue(/^kw_/);
  await created.getByRole("button", { name: "Done" }).click();
  await expect(page.getByRole("table", { name: "API tokens" }).getByRole("link", { name: truthfulName, exact: true })).toHaveCount(2);
});

test("an incident page follows a running bulk operation without a reload, and stops when it completes", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  // A rotation "running elsewhere": its lease is held for an hour, so no runner here touches it;
  // the test moves it forward as a runner would.
  const incidentId = randomUUID();
  const itemIds = [randomUUID(), randomUUID()];
  withDatabase((db) => {
    const orgId = (db.prepare(`SELECT "id" FROM "Org" WHERE "slug" = 'acme'`).get() as { id: string }).id;
    const tokens = db
      .prepare(`SELECT "id" FROM "ApiToken" WHERE "orgId" = ? AND "name" IN ('Developer laptops', 'Legacy deploy')`)
      .all(orgId) as { id: string }[];
    const now = Date.now();
    db.prepare(
      `INSERT INTO "Incident" ("id", "orgId", "createdById", "createdByLabel", "action", "graceSeconds", "filter", "status", "total", "createdAt", "leaseUntil")
       VALUES (?, ?, NULL, 'runner elsewhere', 'DISABLE', 0, '{}', 'RUNNING', 2, ?, ?)`,
    ).run(incidentId, orgId, now, now + 3600_000);
    tokens.forEach((token, i) =>
      db
        .prepare(`INSERT INTO "IncidentItem" ("id", "incidentId", "tokenId", "state") VALUES (?, ?, ?, 'PENDING')`)
        .run(itemIds[i], incidentId, token.id),
    );
  });

  await page.goto(`/acme/incidents/${incidentId}`);
  // A reload would drop this mark; the page must update in place.
  await page.evaluate(() => Object.assign(window, { __notReloaded: true }));
  await expect(page.getByTestId("incident-status")).toHaveText("Running");
  await expect(page.getByTestId("incident-progress")).toContainText("0 of 2 processed");

  // One token done, one refused (skipped, with why): the page shows both as they happen.
  withDatabase((db) => db.prepare(`UPDATE "IncidentItem" SET "state" = 'DONE', "doneAt" = ? WHERE "id" = ?`).run(Date.now(), itemIds[0]));
  await expect(page.getByTestId("incident-progress")).toContainText("1 of 2 processed: 1 done, 0 skipped, 1 pending.");
  withDatabase((db) => {
    db.prepare(`UPDATE "IncidentItem" SET "state" = 'SKIPPED', "note" = 'Already disabled.', "doneAt" = ? WHERE "id" = ?`).run(
      Date.now(),
      itemIds[1],
    );
    db.prepare(`UPDATE "Incident" SET "status" = 'COMPLETED', "finishedAt" = ? WHERE "id" = ?`).run(Date.now(), incidentId);
  });
  await expect(page.getByTestId("incident-status")).toHaveText("Completed");
  await expect(page.getByTestId("incident-progress")).toContainText("2 of 2 processed: 1 done, 1 skipped, 0 pending.");
  await expect(page.getByTestId("incident-item").filter({ hasText: "Already disabled." })).toHaveCount(1);
  expect(await page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
});

test("which token is this: the result follows a rotation, and a value in its grace period can be ended right there", async ({
  page,
  context,
  baseURL,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  await signInAndWait(page, "admin@acme.test");
  const name = unique("Lookup");
  const dialog = await openCreateDialog(page);
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByRole("checkbox", { name: /^report:read/ }).check();
  await dialog.getByRole("button", { name: "Create token" }).click();
  const value = await page.getByRole("dialog", { name: "Token created" }).getByTestId("secret-value").inputValue();
  await page.getByRole("dialog", { name: "Token created" }).getByRole("button", { name: "Done" }).click();

  await page.goto("/acme/incidents/lookup");
  await page.getByLabel(/Text that contains a token/).fill(`curl -H "Authorization: Bearer ${value}"`);
  await page.getByRole("button", { name: "Look up" }).click();
  const card = page.getByTestId("lookup-match");
  await expect(card.getByTestId("lookup-value-state")).toHaveText("This is the token's current value.");
  await expect(card.getByRole("button", { name: "End grace now" })).toHaveCount(0);

  // Rotate with an hour of grace: without a new lookup, the card now says the pasted value is an old one.
  await card.getByLabel("Old value keeps working for").selectOption("1");
  await card.getByRole("button", { name: "Rotate", exact: true }).click();
  await expect(card.getByTestId("secret-value")).toHaveValue(/^kw_/);
  await expect(card.getByTestId("lookup-value-state")).toContainText("an old value, replaced by a rotation and still working");

  // End grace from the card, confirmed in the product's dialog; the card follows again.
  await card.getByRole("button", { name: "End grace now" }).click();
  await page
    .getByRole("dialog", { name: `End grace for ${name}?` })
    .getByRole("button", { name: "End grace now" })
    .click();
  await expect(card.getByTestId("lookup-value-state")).toHaveText("This is an old value that no longer works.");
  await expect(card.getByRole("button", { name: "End grace now" })).toHaveCount(0);
  expect((await page.request.get("/v0/quota", { headers: { authorization: `Bearer ${value}` } })).status()).toBe(401);
});

test("the audit log speaks English, filters and searches, and exports what is filtered", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  const invitee = `bob-${Date.now().toString(36)}@acme.test`;
  await page.goto("/acme/members");
  await page.getByLabel("Email addresses").fill(invitee);
  await page.getByLabel("Role", { exact: true }).selectOption("MEMBER");
  await page.getByRole("button", { name: "Send invitations" }).click();
  await expect(page.getByText(`Invitation emailed to ${invitee}.`)).toBeVisible();

  await page.goto("/acme/audit");
  const table = page.getByRole("table", { name: "Audit log" });
  await expect(table.getByTestId("audit-sentence").filter({ hasText: `admin@acme.test invited ${invitee} as member` })).toHaveCount(1);
  await expect(table).not.toContainText("member.invited");

  // Search, then narrow to one token: the URL keeps the filters, the table follows.
  await page.getByRole("searchbox", { name: "Search the audit log" }).fill(invitee);
  await page.getByRole("searchbox", { name: "Search the audit log" }).press("Enter");
  await expect(page).toHaveURL(/q=/);
  await expect(table.getByTestId("audit-sentence")).toHaveCount(1);
  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.getByLabel("Token", { exact: true }).selectOption({ label: truthfulName });
  await expect(page).toHaveURL(/token=/);
  await expect(table.getByTestId("audit-sentence").first()).toContainText(`“${truthfulName}”`);
  for (const sentence of await table.getByTestId("audit-sentence").allTextContents()) expect(sentence).toContain(`“${truthfulName}”`);

  // The exports carry the same filter: every event in them is about that token.
  const csvLink = page.getByRole("link", { name: "CSV", exact: true });
  const csv = await page.request.get((await csvLink.getAttribute("href"))!);
  expect(csv.headers()["content-type"]).toContain("text/csv");
  const rows = (await csv.text()).trim().split("\r\n").slice(1);
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) expect(row).toContain(truthfulName);
  const json = await page.request.get((await page.getByRole("link", { name: "JSON", exact: true }).getAttribute("href"))!);
  const body = (await json.json()) as { events: { event: string }[] };
  expect(body.events).toHaveLength(rows.length);
  expect(body.events.every((e) => e.event.includes(truthfulName))).toBe(true);
});
