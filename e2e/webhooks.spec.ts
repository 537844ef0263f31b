import { createHmac } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";

import { signInAndWait } from "./support";

// The Webhooks page as an admin uses it: create a webhook with a generated secret (shown once),
// send a test event that a local receiver gets and verifies with that secret, see it in the
// delivery log, edit, pause, resume, delete. Members do not get the page. (The e2e server runs
// with KEYWARD_WEBHOOK_ALLOW_PRIVATE=1 so it may deliver to this loopback receiver.)
test.describe.configure({ mode: "serial" });

type Received = { headers: IncomingHttpHeaders; body: string };
const received: Received[] = [];
let receiver: Server;
let receiverUrl: string;

test.beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/keyward`;
});

test.afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

/** The README's check: HMAC-SHA256 of "<timestamp>.<body>" with the secret, and a fresh timestamp. */
function verified(secret: string, request: Received): boolean {
  const timestamp = String(request.headers["x-keyward-timestamp"]);
  const expected = `v1=${createHmac("sha256", secret).update(`${timestamp}.${request.body}`).digest("hex")}`;
  return request.headers["x-keyward-signature"] === expected && Math.abs(Date.now() / 1000 - Number(timestamp)) <= 300;
}

let secret = "";

test("an admin creates a webhook, sends a test event the receiver verifies, and sees it in the delivery log", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
  await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();

  const form = page.getByRole("form", { name: "New webhook" });
  await form.getByLabel("Name").fill("E2E receiver");
  await form.getByLabel("URL").fill(receiverUrl);
  await form.getByRole("checkbox", { name: "token.created" }).check();
  await form.getByRole("button", { name: "Create webhook" }).click();
  await expect(form.getByTestId("webhook-secret")).toBeVisible();
  // Shown once like every secret: focused, with the warning as its description and a copy button.
  const secretField = form.getByTestId("webhook-secret").getByRole("textbox", { name: "Generated signing secret" });
  await expect(secretField).toBeFocused();
  await expect(secretField).toHaveAccessibleDescription(/never shown again/);
  await expect(form.getByTestId("webhook-secret").getByRole("button", { name: "Copy" })).toBeVisible();
  secret = await secretField.inputValue();
  expect(secret).toMatch(/^whsec_/);

  const card = page.getByRole("listitem", { name: "Webhook E2E receiver" });
  await expect(card.getByText("Active")).toBeVisible();
  await card.getByRole("button", { name: "Send test event" }).click();
  await expect(card.getByText("Test event queued")).toBeVisible();

  await expect.poll(() => received.filter((r) => r.headers["x-keyward-event"] === "webhook.test").length, { timeout: 20_000 }).toBe(1);
  const test = received.find((r) => r.headers["x-keyward-event"] === "webhook.test")!;
  expect(verified(secret, test)).toBe(true);
  expect(verified("whsec_wrong", test)).toBe(false);

  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("table", { name: "Deliveries of E2E receiver" }).getByText("HTTP 204")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  // The secret is never on the page again.
  expect(await page.content()).not.toContain(secret);
});

test("a token created in the dashboard reaches the webhook as token.created", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  await page.goto("/acme/tokens");
  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Create token" });
  await dialog.getByLabel("Name", { exact: true }).fill("Webhook watched token");
  await dialog.getByRole("checkbox", { name: /^report:read/ }).check();
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByRole("dialog", { name: "Token created" })).toBeVisible();
  await expect
    .poll(() => received.some((r) => r.headers["x-keyward-event"] === "token.created" && r.body.includes("Webhook watched token")), {
      timeout: 20_000,
    })
    .toBe(true);
  expect(
    verified(
      secret,
      received.find((r) => r.body.includes("Webhook watched token"))!,
    ),
  ).toBe(true);
});

test("an admin edits, pauses, resumes and deletes the webhook", async ({ page }) => {
  await signInAndWait(page, "admin@acme.test");
  await page.goto("/acme/webhooks");
  const card = page.getByRole("listitem", { name: "Webhook E2E receiver" });
  await card.getByText("Edit").click();
  await card.getByLabel("Name").fill("E2E receiver (renamed)");
  await card.getByRole("button", { name: "Save" }).click();
  const renamed = page.getByRole("listitem", { name: "Webhook E2E receiver (renamed)" });
  await expect(renamed).toBeVisible();

  await renamed.getByRole("button", { name: "Pause" }).click();
  await expect(renamed.getByText("Paused", { exact: true })).toBeVisible();
  await renamed.getByRole("button", { name: "Resume" }).click();
  await expect(renamed.getByText("Active")).toBeVisible();

  await renamed.getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("listitem", { name: "Webhook E2E receiver (renamed)" })).toHaveCount(0);
});

test("a member has no Webhooks page", async ({ page }) => {
  await signInAndWait(page, "member@acme.test");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" })).toHaveCount(0);
  await page.goto("/acme/webhooks");
  await expect(page.getByText("Only organization admins can see this page.")).toBeVisible();
  await expect(page.getByRole("form", { name: "New webhook" })).toHaveCount(0);
});
