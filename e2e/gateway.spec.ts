import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";

import { signInAndWait } from "./support";

// An admin registers one of the org's own APIs with a route, grants the route's scope to a new
// token, and a call to /gw/<service>/… reaches a toy upstream started here, with Keyward's
// headers and without the token; the token's page logs the call under the service's route.

type Received = { method: string; url: string; headers: IncomingHttpHeaders };

test("admin: registers a service, and a gateway call with a token of its scope reaches the upstream and shows in the token's usage", async ({
  page,
  request,
}) => {
  const received: Received[] = [];
  const upstream = http.createServer((req, res) => {
    received.push({ method: req.method!, url: req.url!, headers: req.headers });
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"invoice":42}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/billing`;
  try {
    const slug = `gw-${Date.now().toString(36)}`;
    const tokenName = `E2E ${slug}`;
    await signInAndWait(page, "admin@acme.test");

    await page.goto("/acme/services");
    const form = page.getByRole("form", { name: "Register a service" });
    await form.getByLabel("Name").fill("E2E Gateway");
    await form.getByLabel("Slug").fill(slug);
    await form.getByLabel("Upstream URL").fill(upstreamUrl);
    await form.getByLabel("Scopes").fill("invoices:read\ninvoices:write");
    await form.getByLabel("Routes (optional, for the gateway)").fill("GET /invoices/:id invoices:read 1");
    await form.getByRole("button", { name: "Register service" }).click();
    const shown = page.getByTestId("new-service-key");
    await expect(shown).toContainText("never shown again");
    await shown.getByRole("button", { name: "Done" }).click();

    await page.goto("/acme/tokens");
    await page.getByRole("button", { name: "Create token" }).click();
    let dialog = page.getByRole("dialog", { name: "Create token" });
    await dialog.getByLabel("Name", { exact: true }).fill(tokenName);
    await dialog
      .getByRole("group", { name: "Scopes of E2E Gateway" })
      .getByRole("checkbox", { name: `${slug}/invoices:read` })
      .check();
    await dialog.getByRole("button", { name: "Create token" }).click();
    dialog = page.getByRole("dialog", { name: "Token created" });
    const token = await dialog.getByTestId("secret-value").inputValue();
    await dialog.getByRole("button", { name: "Done" }).click();

    // Through the gateway: the route's scope is held, so the call reaches the upstream.
    const call = await request.get(`/gw/${slug}/invoices/42?expand=lines`, {
      headers: { authorization: `Bearer ${token}`, "x-keyward-org": "forged" },
    });
    expect(call.status()).toBe(200);
    expect(await call.json()).toEqual({ invoice: 42 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: "GET", url: "/billing/invoices/42?expand=lines" });
    expect(received[0].headers.authorization).toBeUndefined();
    expect(received[0].headers["x-keyward-org"]).toBe("acme");
    expect(received[0].headers["x-keyward-scopes"]).toBe("invoices:read");
    expect(received[0].headers["x-keyward-token-id"]).toEqual(expect.any(String));
    // A route the token's scope does not cover is refused before the upstream.
    expect((await request.get(`/gw/${slug}/admin`, { headers: { authorization: `Bearer ${token}` } })).status()).toBe(404);
    expect(received).toHaveLength(1);

    // The token's page: the gateway call in the request log (rows are written in batches).
    await page.getByRole("table", { name: "API tokens" }).getByRole("link", { name: tokenName, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name: tokenName })).toBeVisible();
    const tokenUrl = page.url();
    const forwarded = () =>
      page
        .getByRole("table", { name: "Request log" })
        .locator("tbody tr")
        .filter({ hasText: `/gw/${slug}/invoices/:id` });
    await expect(async () => {
      await page.goto(tokenUrl);
      await expect(forwarded()).toHaveCount(1, { timeout: 1_000 });
    }).toPass({ timeout: 15_000 });
    await expect(forwarded()).toContainText("200");
  } finally {
    upstream.closeAllConnections();
    upstream.close();
  }
});
