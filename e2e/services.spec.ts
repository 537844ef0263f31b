import { expect, test, type Page } from "@playwright/test";

import { signInAndWait } from "./support";

// An admin registers one of the org's own APIs, grants one of its scopes to a new token, and the
// service verifies a call with that token through POST /v1/verify: the token's page logs the call.

async function secretValue(page: Page, container: ReturnType<Page["getByTestId"]> | ReturnType<Page["getByRole"]>) {
  return container.getByTestId("secret-value").inputValue();
}

/** Registers a service from the Services page (its upstream never answers); returns the register form. */
async function registerService(page: Page, name: string, slug: string, scopes: string) {
  await page.goto("/acme/services");
  const form = page.getByRole("form", { name: "Register a service" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Slug").fill(slug);
  await form.getByLabel("Upstream URL").fill("http://127.0.0.1:9/v1");
  await form.getByLabel("Scopes").fill(scopes);
  await form.getByRole("button", { name: "Register service" }).click();
  return form;
}

test("admin: registers a service, grants its scope to a token, and the verified call shows in the token's usage", async ({
  page,
  request,
}) => {
  const slug = `e2e-${Date.now().toString(36)}`;
  const tokenName = `E2E ${slug}`;
  await signInAndWait(page, "admin@acme.test");

  // Register: the key is shown once.
  await page.goto("/acme/services");
  await expect(page.getByRole("heading", { level: 1, name: "Services" })).toBeVisible();
  const form = page.getByRole("form", { name: "Register a service" });
  await form.getByLabel("Name").fill("E2E Billing");
  await form.getByLabel("Slug").fill(slug);
  await form.getByLabel("Upstream URL").fill("http://127.0.0.1:9/billing");
  await form.getByLabel("Scopes").fill("invoices:read Read invoices\ninvoices:write");
  await form.getByRole("button", { name: "Register service" }).click();
  const shown = page.getByTestId("new-service-key");
  await expect(shown).toContainText("never shown again");
  // The key takes focus when it appears, and the warning is what a screen reader reads with it.
  const keyField = shown.getByRole("textbox", { name: "Verification key of E2E Billing" });
  await expect(keyField).toBeFocused();
  await expect(keyField).toHaveAccessibleDescription(/never shown again/);
  const key = await secretValue(page, shown);
  expect(key).toMatch(/^kws_[0-9A-Za-z]{36}$/);
  await shown.getByRole("button", { name: "Done" }).click();
  const card = page.getByRole("listitem", { name: "E2E Billing" });
  await expect(card.getByRole("list", { name: "Scopes of E2E Billing" }).getByRole("listitem")).toHaveText([
    "invoices",
    "invoices:readRead invoices",
    "invoices:write",
  ]);

  // A token with one of its scopes (and none of Keyward's): the scope tree groups it under the service.
  await page.goto("/acme/tokens");
  await page.getByRole("button", { name: "Create token" }).click();
  let dialog = page.getByRole("dialog", { name: "Create token" });
  await dialog.getByLabel("Name", { exact: true }).fill(tokenName);
  const group = dialog.getByRole("group", { name: "Scopes of E2E Billing" });
  await group.getByRole("checkbox", { name: `${slug}/invoices:read` }).check();
  await dialog.getByRole("button", { name: "Create token" }).click();
  dialog = page.getByRole("dialog", { name: "Token created" });
  const token = await dialog.getByTestId("secret-value").inputValue();
  await dialog.getByRole("button", { name: "Done" }).click();

  // The service verifies a call: valid for its scope, refused for another.
  const verify = (scope: string) =>
    request.post("/v1/verify", { headers: { authorization: `Bearer ${key}` }, data: { token, scope, route: "GET /invoices/:id" } });
  const valid = await verify("invoices:read");
  expect(valid.status()).toBe(200);
  expect(await valid.json()).toMatchObject({ valid: true, token: { name: tokenName, org: "acme" }, scopes: ["invoices:read"] });
  expect(await (await verify("invoices:write")).json()).toMatchObject({ valid: false, code: "missing_scope" });

  // The token's page: its service scope, and the verified call in the request log (rows are written in batches).
  await page.getByRole("table", { name: "API tokens" }).getByRole("link", { name: tokenName, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: tokenName })).toBeVisible();
  const tokenUrl = page.url();
  await expect(page.getByRole("list", { name: "Service scopes" }).getByRole("listitem")).toHaveText([`${slug}/invoices:read`]);
  await expect(async () => {
    await page.goto(tokenUrl);
    await expect(page.getByRole("table", { name: "Request log" }).locator("tbody tr")).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole("table", { name: "Request log" }).locator("tbody tr").first()).toContainText(`${slug} GET /invoices/:id`);

  // The key pasted into "Which token is this?" (found in a log, say): named as this service's key, with what to do.
  await page.goto("/acme/incidents/lookup");
  await page.getByLabel(/Text that contains a token/).fill(`BILLING_VERIFY_KEY=${key}`);
  await page.getByRole("button", { name: "Look up" }).click();
  const found = page.getByTestId("lookup-service-key");
  await expect(found).toContainText("Verification key of service E2E Billing");
  await expect(found).toContainText(`kws_…${key.slice(-4)}`);
  await expect(found).not.toContainText(key);
  await expect(found.getByRole("link", { name: "Services page" })).toHaveAttribute("href", "/acme/services");
});

test("admin: edits a registered service (name, upstream, a new route); removing a scope asks first and says what it does", async ({
  page,
}) => {
  const slug = `e2e-edit-${Date.now().toString(36)}`;
  await signInAndWait(page, "admin@acme.test");
  await registerService(page, "E2E Before", slug, "invoices:read Read invoices\ninvoices:write");
  await page.getByTestId("new-service-key").getByRole("button", { name: "Done" }).click();

  await page.getByRole("listitem", { name: "E2E Before" }).getByRole("button", { name: "Edit" }).click();
  const dialog = page.getByRole("dialog", { name: "Edit E2E Before" });
  // Prefilled with the current definition; the slug is shown, not editable.
  await expect(dialog.getByLabel("Name")).toHaveValue("E2E Before");
  await expect(dialog.getByLabel("Upstream URL")).toHaveValue("http://127.0.0.1:9/v1");
  await expect(dialog.getByLabel("Scopes")).toHaveValue("invoices\ninvoices:read Read invoices\ninvoices:write");
  await expect(dialog.getByLabel("Slug")).toHaveCount(0);
  await expect(dialog).toContainText(`Fixed: tokens name its scopes as ${slug}/scope`);

  await dialog.getByLabel("Name").fill("E2E After");
  await dialog.getByLabel("Upstream URL").fill("http://127.0.0.1:9/v2");
  // A route naming a scope the service does not declare is refused beside the routes.
  await dialog.getByLabel("Routes (optional, for the gateway)").fill("GET /invoices/:id refunds:read 2");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await expect(dialog.getByLabel("Routes (optional, for the gateway)")).toHaveAttribute("aria-invalid", "true");
  await expect(dialog).toContainText("Routes name scopes the service does not declare: refunds:read.");

  await dialog.getByLabel("Routes (optional, for the gateway)").fill("GET /invoices/:id invoices:read 2");
  await dialog.getByLabel("Scopes").fill("invoices:read Read invoices");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  // Dropping invoices:write: nothing is saved until the admin confirms what it does to tokens.
  await expect(dialog.getByTestId("removing-scopes")).toContainText("invoices:write");
  await expect(dialog.getByTestId("removing-scopes")).toContainText("takes it off every token that holds it");
  await dialog.getByRole("button", { name: "Remove scopes and save" }).click();
  await expect(dialog).toBeHidden();

  const card = page.getByRole("listitem", { name: "E2E After" });
  await expect(card).toContainText("http://127.0.0.1:9/v2");
  await expect(card.getByRole("list", { name: "Scopes of E2E After" }).getByRole("listitem")).toHaveText([
    "invoices",
    "invoices:readRead invoices",
  ]);
  await expect(card.getByRole("row")).toHaveText(["GET/invoices/:idinvoices:readcost 2"]);
  await expect(page.getByRole("listitem", { name: "E2E Before" })).toHaveCount(0);
});

test("admin: a rotated verification key is shown once, focused, after the confirmation closes", async ({ page }) => {
  const slug = `e2e-rotate-${Date.now().toString(36)}`;
  await signInAndWait(page, "admin@acme.test");
  const form = await registerService(page, "E2E Rotate", slug, "invoices:read");
  const first = await secretValue(page, page.getByTestId("new-service-key"));
  await page.getByTestId("new-service-key").getByRole("button", { name: "Done" }).click();
  // Done hides the key for good and brings back an empty form.
  await expect(page.getByTestId("new-service-key")).toHaveCount(0);
  await expect(form.getByLabel("Name")).toHaveValue("");

  await page.getByRole("listitem", { name: "E2E Rotate" }).getByRole("button", { name: "Rotate key" }).click();
  await page.getByRole("dialog", { name: "Rotate the verification key?" }).getByRole("button", { name: "Rotate key" }).click();
  const shown = page.getByTestId("new-service-key");
  const keyField = shown.getByRole("textbox", { name: "Verification key of E2E Rotate" });
  await expect(keyField).toBeFocused();
  await expect(keyField).toHaveAccessibleDescription(/never shown again/);
  expect(await keyField.inputValue()).not.toBe(first);
  await shown.getByRole("button", { name: "Done" }).click();
  await expect(shown).toHaveCount(0);
});

test("member: never sees the Services page or its Edit control", async ({ page }) => {
  await signInAndWait(page, "member@acme.test");
  const response = await page.goto("/acme/services");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Edit" })).toHaveCount(0);
});
