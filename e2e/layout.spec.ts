import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";

import { signIn } from "./support";

// The dashboard's layout, accessibility and theming, per role, at desktop and phone sizes, in light and dark.
test.describe.configure({ mode: "serial" });

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const SIZES = { desktop: DESKTOP, phone: PHONE } as const;
const THEMES = ["light", "dark"] as const;

async function signInAt(page: Page, email: string) {
  await signIn(page, email);
  await expect(page).toHaveURL(/\/acme\/tokens/);
}

/** Every page each role can open, the token page being a demo token both roles may see. */
async function pagesFor(page: Page, role: "admin" | "member") {
  await page.goto("/acme/tokens");
  const href = await page
    .getByRole("table", { name: "API tokens" })
    .getByRole("link", { name: "CI pipeline", exact: true })
    .getAttribute("href");
  const common = ["/acme/tokens", href!, "/acme/members", "/acme/usage", "/acme/repos", "/acme/api"];
  return role === "admin" ? [...common, "/acme/audit", "/acme/incidents", "/acme/incidents/lookup", "/acme/incidents/new"] : common;
}

/** React's hydration mismatch, as the production build reports it (minified error #418) or a dev build spells it. */
function collectHydrationErrors(page: Page) {
  const errors: string[] = [];
  const isHydration = (text: string) => /hydrat|#418|#423|#425/i.test(text);
  page.on("console", (message) => {
    if (message.type() === "error" && isHydration(message.text())) errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => {
    if (isHydration(error.message)) errors.push(`${page.url()}: ${error.message}`);
  });
  return errors;
}

async function seriousAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id}: ${v.help} — ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(", ")}`,
    );
}

async function fitsWidth(page: Page) {
  return page.evaluate(() => {
    // The innermost elements that reach past the window's right edge: what to fix when a page is too wide.
    const tooWide = [...document.querySelectorAll("body *")]
      .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1 && element.children.length === 0)
      .slice(0, 3)
      .map((element) => `<${element.tagName.toLowerCase()}> "${(element.textContent ?? "").trim().slice(0, 40)}"`);
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, tooWide };
  });
}

for (const role of ["admin", "member"] as const) {
  test(`${role}: every page fits desktop and phone widths, passes axe in light and dark, and hydrates without a mismatch`, async ({
    browser,
    baseURL,
  }) => {
    test.setTimeout(240_000);
    const context = await browser.newContext({ baseURL, viewport: DESKTOP });
    const page = await context.newPage();
    const hydrationErrors = collectHydrationErrors(page);
    await signInAt(page, `${role}@acme.test`);
    const paths = await pagesFor(page, role);
    const problems: string[] = [];
    for (const [sizeName, size] of Object.entries(SIZES)) {
      await page.setViewportSize(size);
      for (const theme of THEMES) {
        // The theme follows the system setting when no choice is saved.
        await page.emulateMedia({ colorScheme: theme });
        for (const path of paths) {
          await page.goto(path);
          await expect(page.locator("h1").first()).toBeVisible();
          await expect(page.locator("html")).toHaveClass(theme === "dark" ? /\bdark\b/ : /^(?!.*\bdark\b)/);
          const { scrollWidth, innerWidth, tooWide } = await fitsWidth(page);
          if (scrollWidth > innerWidth)
            problems.push(
              `${sizeName} ${theme} ${path}: page is ${scrollWidth}px wide in a ${innerWidth}px window (${tooWide.join(", ")})`,
            );
          for (const violation of await seriousAxeViolations(page)) problems.push(`${sizeName} ${theme} ${path}: ${violation}`);
        }
      }
    }
    expect([...problems, ...hydrationErrors]).toEqual([]);
    await context.close();
  });
}

async function phoneContext(browser: Browser, baseURL: string | undefined) {
  return browser.newContext({ baseURL, viewport: PHONE, hasTouch: true, isMobile: true });
}

test("phone: the navigation folds into a menu button that Escape closes, returning focus", async ({ browser, baseURL }) => {
  const context = await phoneContext(browser, baseURL);
  const page = await context.newPage();
  await signInAt(page, "admin@acme.test");
  await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
  const menu = page.getByRole("button", { name: "Menu" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await menu.tap();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(menu).toBeFocused();
  // Choosing a page closes the menu.
  await menu.tap();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Members" }).tap();
  await expect(page).toHaveURL(/\/acme\/members/);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await context.close();
});

test("phone: create, rotate with grace, reveal, and disable complete with touch; the page never scrolls sideways", async ({
  browser,
  baseURL,
}) => {
  const context = await phoneContext(browser, baseURL);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const page = await context.newPage();
  await signInAt(page, "admin@acme.test");
  // Long enough to break a table layout if it were not cut to the column.
  const name = `Phone ${Date.now().toString(36)} ${"deployment-pipeline-".repeat(4)}`;

  await page.getByRole("button", { name: "Create token" }).tap();
  let dialog = page.getByRole("dialog", { name: "Create token" });
  const box = await dialog.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
  expect(box!.height).toBeLessThanOrEqual(PHONE.height);
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByRole("checkbox", { name: /^report:read/ }).tap();
  // The submit button sits below the fold: the dialog scrolls inside.
  await dialog.getByRole("button", { name: "Create token" }).tap();
  dialog = page.getByRole("dialog", { name: "Token created" });
  const created = await dialog.getByTestId("secret-value").inputValue();
  await dialog.getByRole("button", { name: "Done" }).tap();
  await expect(page.getByRole("dialog")).toHaveCount(0);

  const link = page.getByRole("table", { name: "API tokens" }).getByRole("link", { name, exact: true });
  await expect(link).toHaveAttribute("title", name);
  expect((await fitsWidth(page)).scrollWidth).toBeLessThanOrEqual(PHONE.width);

  await page.getByRole("button", { name: `Actions for ${name}` }).tap();
  await page.getByRole("menuitem", { name: "Rotate", exact: true }).tap();
  dialog = page.getByRole("dialog", { name: `Rotate ${name}` });
  await dialog.getByLabel("Grace period for the old value").selectOption("1");
  await dialog.getByRole("button", { name: "Rotate token" }).tap();
  dialog = page.getByRole("dialog", { name: "Token rotated" });
  const rotated = await dialog.getByTestId("secret-value").inputValue();
  expect(rotated).not.toBe(created);
  await dialog.getByRole("button", { name: "Done" }).tap();

  await page.getByRole("button", { name: `Actions for ${name}` }).tap();
  await page.getByRole("menuitem", { name: "Reveal value", exact: true }).tap();
  dialog = page.getByRole("dialog", { name: `Value of ${name}` });
  await expect(dialog.getByTestId("secret-value")).toHaveValue(rotated);
  await page.keyboard.press("Escape");

  // The token page: the grace period reads as English, and only while the token is active.
  await link.tap();
  await expect(page.getByTestId("previous-value-grace")).toHaveText(/^The previous value stops working in (1 hour|60 minutes|59 minutes)$/);
  expect((await fitsWidth(page)).scrollWidth).toBeLessThanOrEqual(PHONE.width);
  await page.getByRole("button", { name: "Disable", exact: true }).tap();
  await page
    .getByRole("dialog", { name: `Disable ${name}?` })
    .getByRole("button", { name: "Disable token" })
    .tap();
  await expect(page.getByText("Disabled", { exact: true }).first()).toBeVisible();
  await expect(page.getByTestId("previous-value-grace")).toHaveCount(0);
  await expect(page.getByText(/works until/i)).toHaveCount(0);
  await context.close();
});

test("focus: dialogs focus their first field, a refused submit focuses the first field in error, closing returns to the opener", async ({
  page,
}) => {
  await page.setViewportSize(DESKTOP);
  await signInAt(page, "admin@acme.test");

  // Skip link: the first Tab stop, and it moves focus to the page's content.
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();

  const create = page.getByRole("button", { name: "Create token" });
  await create.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Create token" });
  await expect(dialog.getByLabel("Name", { exact: true })).toBeFocused();
  // Move away from the name, then submit nothing: focus comes back to the name, the first field in error.
  await dialog.getByLabel("Quota (requests per window)").focus();
  await dialog.getByRole("button", { name: "Create token" }).click();
  await expect(dialog.getByLabel("Name", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByLabel("Name", { exact: true })).toBeFocused();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(create).toBeFocused();

  // From a row menu: focus returns to the menu's button.
  const actions = page.getByRole("button", { name: "Actions for CI pipeline" });
  await actions.click();
  await page.getByRole("menuitem", { name: "Reveal value", exact: true }).click();
  await expect(page.getByRole("dialog", { name: "Value of CI pipeline" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect(actions).toBeFocused();

  // The API page's code blocks are keyboard stops with names.
  await page.goto("/acme/api");
  const blocks = page.locator("pre");
  expect(await blocks.count()).toBeGreaterThan(0);
  for (const block of await blocks.all()) {
    await expect(block).toHaveAttribute("tabindex", "0");
    await expect(block).toHaveAccessibleName(/\S/);
  }
});

test("menus: a row menu near the window's bottom opens upward, and scrolling moves it with its button", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 520 });
  await signInAt(page, "admin@acme.test");
  const button = page.getByRole("button", { name: "Actions for CI pipeline" });
  // Bring the row to the bottom edge of the window.
  await button.evaluate((element) => window.scrollBy(0, element.getBoundingClientRect().bottom - window.innerHeight + 12));
  await button.click();
  const menu = page.getByRole("menu", { name: "Actions for CI pipeline" });
  await expect(menu).toHaveAttribute("data-placement", "top");
  const [menuBox, buttonBox] = [await menu.boundingBox(), await button.boundingBox()];
  expect(menuBox!.y + menuBox!.height).toBeLessThanOrEqual(buttonBox!.y);
  expect(menuBox!.y).toBeGreaterThanOrEqual(0);

  // Scroll the page a little (down: the button stays on screen, so the menu stays open and follows it).
  await page.mouse.wheel(0, 60);
  await expect(menu).toBeVisible();
  await expect
    .poll(async () => (await menu.boundingBox())!.y + (await menu.boundingBox())!.height)
    .toBeLessThanOrEqual((await button.boundingBox())!.y);
  await expect
    .poll(async () => Math.abs((await button.boundingBox())!.y - ((await menu.boundingBox())!.y + (await menu.boundingBox())!.height)))
    .toBeLessThan(10);
});

test("theme: follows the system until chosen, and the choice is remembered across reloads", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await signInAt(page, "admin@acme.test");
  const html = page.locator("html");
  await expect(html).toHaveClass(/\bdark\b/);
  const theme = page.getByRole("combobox", { name: "Theme" });
  await expect(theme).toHaveValue("system");
  await theme.selectOption("light");
  await expect(html).not.toHaveClass(/\bdark\b/);
  await page.reload();
  await expect(html).not.toHaveClass(/\bdark\b/);
  await expect(theme).toHaveValue("light");
  await theme.selectOption("system");
  await expect(html).toHaveClass(/\bdark\b/);
});

test("shortcuts: ? lists them, / focuses search, c creates a token for admins, and typing in a field triggers none", async ({
  page,
  browser,
  baseURL,
}) => {
  await signInAt(page, "admin@acme.test");
  await page.keyboard.press("?");
  const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(help).toContainText("Create a token");
  await page.keyboard.press("Escape");
  await expect(help).toHaveCount(0);

  const search = page.getByRole("searchbox", { name: "Search tokens" });
  await page.keyboard.press("/");
  await expect(search).toBeFocused();
  await page.keyboard.type("c?");
  await expect(search).toHaveValue("c?");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await search.fill("");
  await page.locator("main#main").focus();
  await page.keyboard.press("c");
  await expect(page.getByRole("dialog", { name: "Create token" })).toBeVisible();

  // A member has no create shortcut and is not told of one.
  const member = await browser.newContext({ baseURL });
  const memberPage = await member.newPage();
  await signInAt(memberPage, "member@acme.test");
  await memberPage.keyboard.press("c");
  await expect(memberPage.getByRole("dialog")).toHaveCount(0);
  await memberPage.keyboard.press("?");
  await expect(memberPage.getByRole("dialog", { name: "Keyboard shortcuts" })).not.toContainText("Create a token");
  await member.close();
});

// `SCREENSHOTS=1 E2E_PORT=… npx playwright test e2e/layout.spec.ts -g screenshots` refreshes docs/screenshots/.
test("screenshots of the main pages at both sizes and in both themes", async ({ browser, baseURL }) => {
  test.skip(!process.env.SCREENSHOTS, "writes docs/screenshots/ only when asked");
  test.setTimeout(180_000);
  for (const [sizeName, size] of Object.entries(SIZES)) {
    for (const theme of THEMES) {
      const context = await browser.newContext({ baseURL, viewport: size, colorScheme: theme });
      const page = await context.newPage();
      await signInAt(page, "admin@acme.test");
      const tokenHref = await page
        .getByRole("table", { name: "API tokens" })
        .getByRole("link", { name: "CI pipeline", exact: true })
        .getAttribute("href");
      const pages = { tokens: "/acme/tokens", token: tokenHref!, usage: "/acme/usage", members: "/acme/members", api: "/acme/api" };
      for (const [pageName, path] of Object.entries(pages)) {
        await page.goto(path);
        await expect(page.locator("h1").first()).toBeVisible();
        await page.screenshot({ path: `docs/screenshots/${pageName}-${sizeName}-${theme}.png`, type: "png", scale: "css" });
      }
      await context.close();
    }
  }
});
