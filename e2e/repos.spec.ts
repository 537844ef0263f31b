import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import Database from "better-sqlite3";

import { callServerAction, serverActionId } from "./server-actions";
import { signInAndWait } from "./support";

const ACTIONS_FILE = "lib/actions/repos.ts";

/** The demo org's repository and label ids and fields, read from the server's database. */
function readRepo(slug: string) {
  const database = new Database(`data/e2e-${process.env.E2E_PORT ?? 3100}/keyward.db`, { readonly: true });
  try {
    return database
      .prepare(
        `SELECT r."id", r."description", r."archived" FROM "Repo" r JOIN "Org" o ON o."id" = r."orgId" WHERE o."slug" = 'acme' AND r."slug" = ?`,
      )
      .get(slug) as { id: string; description: string; archived: number } | undefined;
  } finally {
    database.close();
  }
}

test("an admin adds, edits, labels, archives and deletes a repository, and creates and deletes a label", async ({ page }) => {
  const slug = `e2e-${randomUUID().slice(0, 6)}`;
  const label = `team-${randomUUID().slice(0, 6)}`;
  await signInAndWait(page, "admin@acme.test");
  await page.getByRole("link", { name: "Repositories" }).first().click();
  await expect(page.getByRole("heading", { name: "Repositories", level: 1 })).toBeVisible();

  // Add.
  const addForm = page.getByRole("region", { name: "Add a repository" });
  await addForm.getByLabel("Name").fill(slug);
  await addForm.getByLabel("Description").fill("Made in the browser");
  await addForm.getByRole("button", { name: "Add repository" }).click();
  const row = page.getByTestId(`repo-${slug}`);
  await expect(row).toContainText("Made in the browser");
  await expect(row).toContainText("Private");

  // A second one with the same name is refused beside the field.
  await addForm.getByLabel("Name").fill(slug);
  await addForm.getByRole("button", { name: "Add repository" }).click();
  await expect(addForm.getByText("A repository with this name already exists.")).toBeVisible();

  // Edit.
  await row.getByRole("button", { name: `Edit ${slug}` }).click();
  const dialog = page.getByRole("dialog", { name: `Edit ${slug}` });
  await dialog.getByLabel("Description").fill("Edited in the browser");
  await dialog.getByLabel("Visibility").selectOption("public");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText("Edited in the browser");
  await expect(row).toContainText("Public");

  // A label, attached to the repository.
  const labels = page.getByRole("region", { name: "Labels" });
  await labels.getByLabel("New label").fill(label);
  await labels.getByRole("button", { name: "Add label" }).click();
  await expect(page.getByTestId(`label-${label}`)).toContainText("0 repositories");
  await row.getByLabel(`Label to add to ${slug}`).selectOption({ label });
  await row.getByRole("button", { name: `Add the label to ${slug}` }).click();
  await expect(row.getByRole("button", { name: `Remove the label ${label} from ${slug}` })).toBeVisible();
  await expect(page.getByTestId(`label-${label}`)).toContainText("1 repository");

  // Archive.
  await row.getByRole("button", { name: `Archive ${slug}` }).click();
  await expect(row).toContainText("Archived");
  expect(readRepo(slug)?.archived).toBe(1);

  // Delete the label: the repository loses it.
  await page.getByRole("button", { name: `Delete the label ${label}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete label" }).click();
  await expect(page.getByTestId(`label-${label}`)).toHaveCount(0);
  await expect(row.getByRole("button", { name: `Remove the label ${label} from ${slug}` })).toHaveCount(0);

  // Delete the repository.
  await row.getByRole("button", { name: `Delete ${slug}` }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete repository" }).click();
  await expect(page.getByTestId(`repo-${slug}`)).toHaveCount(0);
  expect(readRepo(slug)).toBeUndefined();

  // Every change is in the audit log.
  await page.goto("/acme/audit");
  await expect(page.getByText(`deleted repository ${slug}`).first()).toBeVisible();
});

test("a member sees the repositories but cannot change them, not even with crafted calls", async ({ page, baseURL }) => {
  await signInAndWait(page, "member@acme.test");
  await page.goto("/acme/repos");
  await expect(page.getByRole("heading", { name: "Repositories", level: 1 })).toBeVisible();
  await expect(page.getByTestId("repo-web")).toContainText("The web repository");
  // No controls that change anything.
  await expect(page.getByRole("button", { name: /^(Edit|Archive|Delete) / })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add repository" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add label" })).toHaveCount(0);

  // The actions, posted with the member's own session: refused, and nothing changes.
  const web = readRepo("web")!;
  const call = (name: string, input: Record<string, unknown>) =>
    callServerAction(page.request, "/acme/repos", serverActionId(baseURL!, ACTIONS_FILE, name), { orgSlug: "acme", ...input });
  const refusals = [
    await call("createRepoAction", { name: "planted-by-member" }),
    await call("updateRepoAction", { repoId: web.id, name: "web", description: "defaced" }),
    await call("setRepoArchivedAction", { repoId: web.id, archived: "true" }),
    await call("deleteRepoAction", { repoId: web.id }),
    await call("createRepoLabelAction", { name: "planted-by-member" }),
  ];
  for (const refusal of refusals) {
    expect(refusal.status).toBe(200);
    expect(refusal.body).toContain('"code":"FORBIDDEN"');
  }
  expect(readRepo("web")).toEqual(web);
  expect(readRepo("planted-by-member")).toBeUndefined();
});
