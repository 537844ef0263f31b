import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import Database from "better-sqlite3";

import { decryptTokenValue, parseKeyring } from "../lib/tokens/encryption";
import { DEMO_PASSWORD } from "./support";

// The security suite against the real production server over HTTP: CSRF on server actions and
// cookie-authenticated routes, session cookie flags (also behind a trusted TLS proxy),
// x-middleware-subrequest, security headers and no-store, no token value in any list page's
// HTML or RSC or in the server's log, crafted and method-swapped action calls, and two server
// processes on one SQLite file under load. Mutations happen in org globex; acme is only read.

// Playwright runs from the repository root (its config is there).
const ROOT = process.cwd();
const TOKEN_VALUE = /kw_[0-9A-Za-z]{36}/;
const EVIL = "https://evil.example";

let base: string;
let port: number;
let second: { url: string; child: ChildProcess; log: () => string } | null = null;

const dataDir = () => join(ROOT, `data/e2e-${port}`);
const openDb = () => new Database(join(dataDir(), "keyward.db"), { readonly: true, fileMustExist: true });

function actionIds(): Map<string, string> {
  const manifest = JSON.parse(readFileSync(join(ROOT, `.next-e2e-${port}/server/server-reference-manifest.json`), "utf8")) as {
    node: Record<string, { exportedName: string; filename: string }>;
  };
  return new Map(Object.entries(manifest.node).map(([id, action]) => [`${action.filename}#${action.exportedName}`, id]));
}

type Sent = { status: number; text: string; headers: Headers; setCookies: string[] };

async function post(url: string, actionId: string, args: unknown[], headers: Record<string, string> = {}): Promise<Sent> {
  const response = await fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: {
      "Next-Action": actionId,
      Accept: "text/x-component",
      "Content-Type": "text/plain;charset=UTF-8",
      Origin: new URL(url).origin,
      ...headers,
    },
    body: JSON.stringify(args),
  });
  return { status: response.status, text: await response.text(), headers: response.headers, setCookies: response.headers.getSetCookie() };
}

/** The action's return value from a Flight response (its row "1:"). */
function actionResult(sent: { text: string }): { ok?: boolean; code?: string; data?: Record<string, unknown> } | null {
  const row = /^1:(\{.*\})$/m.exec(sent.text);
  return row ? JSON.parse(row[1]!) : null;
}

const cookieHeader = (setCookies: string[]) => setCookies.map((c) => c.split(";")[0]).join("; ");

async function signIn(server: string, email: string, headers: Record<string, string> = {}): Promise<Sent & { cookie: string }> {
  const sent = await post(
    `${server}/sign-in`,
    actionIds().get("lib/actions/session.ts#signInWithPassword")!,
    ["$undefined", { email, password: DEMO_PASSWORD, callbackUrl: "/" }],
    headers,
  );
  return { ...sent, cookie: cookieHeader(sent.setCookies) };
}

function snapshot() {
  const db = openDb();
  try {
    return {
      audit: db.prepare(`SELECT count(*) AS n FROM "AuditEvent"`).get(),
      tokens: db.prepare(`SELECT "id", "version", "status", "name", "visibility" FROM "ApiToken" ORDER BY "id"`).all(),
      values: db.prepare(`SELECT count(*) AS n FROM "ApiTokenValue"`).get(),
      memberships: db.prepare(`SELECT "userId", "orgId", "role" FROM "Membership" ORDER BY "id"`).all(),
      invitations: db.prepare(`SELECT count(*) AS n FROM "Invitation"`).get(),
      org: db.prepare(`SELECT "slug", "githubOrgLogin", "leakedTokenPolicy", "maxTokenLifetimeDays" FROM "Org" ORDER BY "slug"`).all(),
    };
  } finally {
    db.close();
  }
}

function tokenId(org: string, name: string): string {
  const db = openDb();
  try {
    const row = db
      .prepare(`SELECT t."id" FROM "ApiToken" t JOIN "Org" o ON o."id" = t."orgId" WHERE o."slug" = ? AND t."name" = ?`)
      .get(org, name) as { id: string } | undefined;
    if (!row) throw new Error(`no token ${name} in ${org}`);
    return row.id;
  } finally {
    db.close();
  }
}

/** Every value still stored (decrypted with the server's own keys), to search pages and logs for. */
function storedValues(): string[] {
  const secrets = JSON.parse(readFileSync(join(dataDir(), "secrets.json"), "utf8")) as { TOKEN_ENCRYPTION_KEYS: string };
  const keyring = parseKeyring(secrets.TOKEN_ENCRYPTION_KEYS);
  const db = openDb();
  try {
    const rows = db.prepare(`SELECT "id", "ciphertext", "keyVersion" FROM "ApiTokenValue" WHERE "ciphertext" IS NOT NULL`).all() as {
      id: string;
      ciphertext: string;
      keyVersion: number;
    }[];
    return rows.map((row) => decryptTokenValue(keyring, row.ciphertext, row.keyVersion, row.id));
  } finally {
    db.close();
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port: free } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

/** A second production process on the same build and database, behind a "trusted proxy". */
async function startSecondServer() {
  const secrets = JSON.parse(readFileSync(join(dataDir(), "secrets.json"), "utf8")) as Record<string, string>;
  const secondPort = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "tests/support/app-server-process.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...secrets,
      PORT: String(secondPort),
      NODE_ENV: "production",
      TRUST_PROXY: "1",
      DATABASE_URL: `file:${join(dataDir(), "keyward.db")}`,
      KEYWARD_DIST_DIR: `.next-e2e-${port}`,
      NEXT_TELEMETRY_DISABLED: "1",
      SMTP_URL: "",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`second server did not start:\n${log}`)), 60_000);
    const check = () => {
      if (log.includes(`listening ${secondPort}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => reject(new Error(`second server exited with ${code}:\n${log}`)));
  });
  return { url: `http://127.0.0.1:${secondPort}`, child, log: () => log };
}

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ baseURL }) => {
  base = baseURL!;
  port = Number(new URL(base).port);
  second = await startSecondServer();
});

test.afterAll(async () => {
  if (second && second.child.exitCode === null) {
    const exited = once(second.child, "exit");
    second.child.kill("SIGTERM");
    await exited;
  }
});

test("every server action refuses Origin: https://evil.example and Origin: null with 403 and changes nothing", async () => {
  const admin = await signIn(base, "admin@globex.test");
  const target = tokenId("globex", "Globex CI");
  const before = snapshot();
  const ids = actionIds();
  expect(ids.size).toBeGreaterThan(20);
  for (const [name, id] of ids) {
    for (const origin of [EVIL, "null"]) {
      const sent = await post(`${base}/globex/tokens`, id, ["$undefined", { orgSlug: "globex", tokenId: target }], {
        cookie: admin.cookie,
        Origin: origin,
      });
      expect(sent.status, `${name} from ${origin}`).toBe(403);
      expect(sent.setCookies, name).toEqual([]);
    }
  }
  // A browser's form post from another site (no Origin, but Sec-Fetch-Site) is refused too.
  const formPost = await post(
    `${base}/globex/tokens`,
    ids.get("lib/actions/tokens.ts#disableTokenAction")!,
    ["$undefined", { orgSlug: "globex", tokenId: target }],
    {
      cookie: admin.cookie,
      Origin: "",
      "Sec-Fetch-Site": "cross-site",
    },
  );
  expect(formPost.status).toBe(403);
  expect(snapshot()).toEqual(before);

  // The same call from the page's own origin goes through: the refusal above was about the origin.
  const disable = await post(
    `${base}/globex/tokens`,
    ids.get("lib/actions/tokens.ts#disableTokenAction")!,
    ["$undefined", { orgSlug: "globex", tokenId: target }],
    { cookie: admin.cookie },
  );
  expect(actionResult(disable)).toMatchObject({ ok: true });
  const enable = await post(
    `${base}/globex/tokens`,
    ids.get("lib/actions/tokens.ts#enableTokenAction")!,
    ["$undefined", { orgSlug: "globex", tokenId: target }],
    { cookie: admin.cookie },
  );
  expect(actionResult(enable)).toMatchObject({ ok: true });
});

test("sign-in from another origin sets no cookie; Auth.js's own POST routes need its CSRF token", async () => {
  for (const origin of [EVIL, "null"]) {
    const sent = await signIn(base, "admin@globex.test", { Origin: origin });
    expect(sent.status).toBe(403);
    expect(sent.setCookies).toEqual([]);
  }
  const admin = await signIn(base, "admin@globex.test");
  const signOut = async (origin: string) =>
    fetch(`${base}/api/auth/signout`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: admin.cookie, Origin: origin, "Content-Type": "application/x-www-form-urlencoded" },
      body: "",
    });
  expect((await signOut(EVIL)).status).toBe(403);
  // Same origin but without Auth.js's CSRF token: Auth.js refuses it.
  expect((await signOut(base)).headers.get("location")).toContain("MissingCSRF");
  const stillIn = await fetch(`${base}/globex/tokens`, { redirect: "manual", headers: { cookie: admin.cookie } });
  expect(stillIn.status).toBe(200);
});

test("session cookies are HttpOnly and SameSite=Lax; Secure only behind a trusted TLS proxy", async () => {
  const attributes = (setCookies: string[]) => {
    const session = setCookies.find((c) => /authjs\.session-token=/.test(c));
    expect(session, setCookies.join("\n")).toBeTruthy();
    return session!;
  };
  const direct = attributes((await signIn(base, "admin@globex.test")).setCookies);
  expect(direct).toMatch(/^authjs\.session-token=/);
  expect(direct).toMatch(/; HttpOnly/i);
  expect(direct).toMatch(/; SameSite=Lax/i);
  expect(direct).not.toMatch(/; Secure/i);

  // Without TRUST_PROXY a client's X-Forwarded-Proto/-Host are its own inventions: ignored.
  const spoofed = await signIn(base, "admin@globex.test", { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example" });
  expect(attributes(spoofed.setCookies)).not.toMatch(/; Secure/i);
  expect(spoofed.setCookies.join("\n") + (spoofed.headers.get("x-action-redirect") ?? "")).not.toContain("evil.example");

  // Behind a trusted proxy that terminates TLS: a __Secure- cookie marked Secure.
  const proxied = await signIn(second!.url, "admin@globex.test", {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "keyward.example",
    Origin: "https://keyward.example",
  });
  const secure = attributes(proxied.setCookies);
  expect(secure).toMatch(/^__Secure-authjs\.session-token=/);
  expect(secure).toMatch(/; Secure/i);
  expect(secure).toMatch(/; HttpOnly/i);
  expect(secure).toMatch(/; SameSite=Lax/i);
});

test("x-middleware-subrequest changes nothing: signed-out visitors are sent to sign-in, members stay members", async () => {
  const header = { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" };
  for (const value of [
    header["x-middleware-subrequest"],
    "src/middleware:src/middleware:src/middleware:src/middleware:src/middleware",
    "proxy:proxy:proxy:proxy:proxy",
  ]) {
    const response = await fetch(`${base}/acme/tokens`, { redirect: "manual", headers: { "x-middleware-subrequest": value } });
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toContain("/sign-in");
  }
  const member = await signIn(base, "member@acme.test");
  const adminOnly = tokenId("acme", "Security scanner");
  const page = await fetch(`${base}/acme/tokens/${adminOnly}`, { redirect: "manual", headers: { cookie: member.cookie, ...header } });
  expect(page.status).toBe(404);
  const before = snapshot();
  const reveal = await post(
    `${base}/acme/tokens`,
    actionIds().get("lib/actions/tokens.ts#revealTokenAction")!,
    ["$undefined", { orgSlug: "acme", tokenId: adminOnly }],
    { cookie: member.cookie, ...header },
  );
  expect(actionResult(reveal)).toMatchObject({ ok: false, code: "NOT_FOUND" });
  expect(reveal.text).not.toMatch(TOKEN_VALUE);
  const disable = await post(
    `${base}/acme/tokens`,
    actionIds().get("lib/actions/tokens.ts#disableTokenAction")!,
    ["$undefined", { orgSlug: "acme", tokenId: adminOnly }],
    { cookie: member.cookie, ...header },
  );
  expect(actionResult(disable)).toMatchObject({ ok: false, code: "FORBIDDEN" });
  expect(snapshot()).toEqual(before);
});

test("security headers on every page; no-store on everything that carries a token value", async () => {
  const admin = await signIn(base, "admin@globex.test");
  for (const [path, cookie] of [
    ["/sign-in", ""],
    ["/globex/tokens", admin.cookie],
    ["/no-such-page", admin.cookie],
  ] as const) {
    const response = await fetch(`${base}${path}`, { redirect: "manual", headers: { cookie } });
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers.get("referrer-policy"), path).toBe("same-origin");
    expect(response.headers.get("x-frame-options"), path).toBe("DENY");
    expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
  }

  const ids = actionIds();
  const create = await post(
    `${base}/globex/tokens`,
    ids.get("lib/actions/tokens.ts#createTokenAction")!,
    [
      "$undefined",
      {
        orgSlug: "globex",
        name: `no-store ${Date.now()}`,
        scopes: ["report:read"],
        visibility: "ORGANIZATION",
        quotaMax: "100",
        quotaWindow: "DAILY",
        expiresAt: "",
      },
    ],
    { cookie: admin.cookie },
  );
  const created = actionResult(create)!;
  expect(created).toMatchObject({ ok: true });
  expect(create.headers.get("cache-control")).toContain("no-store");
  const newId = created.data!.tokenId as string;
  const reveal = await post(
    `${base}/globex/tokens`,
    ids.get("lib/actions/tokens.ts#revealTokenAction")!,
    ["$undefined", { orgSlug: "globex", tokenId: newId }],
    { cookie: admin.cookie },
  );
  expect(actionResult(reveal)!.data!.value).toMatch(TOKEN_VALUE);
  expect(reveal.headers.get("cache-control")).toContain("no-store");
  const rotate = await post(
    `${base}/globex/tokens`,
    ids.get("lib/actions/tokens.ts#rotateTokenAction")!,
    ["$undefined", { orgSlug: "globex", tokenId: newId, graceHours: "0" }],
    { cookie: admin.cookie },
  );
  expect(actionResult(rotate)).toMatchObject({ ok: true });
  expect(rotate.headers.get("cache-control")).toContain("no-store");
  const csv = await fetch(`${base}/globex/tokens/${newId}/usage.csv`, { headers: { cookie: admin.cookie } });
  expect(csv.headers.get("cache-control")).toContain("no-store");

  const value = actionResult(rotate)!.data!.value as string;
  const auth = { authorization: `Bearer ${value}` };
  for (const [method, path] of [
    ["GET", "/v0/quota"],
    ["GET", "/v0/orgs/globex/tokens"],
  ]) {
    const response = await fetch(`${base}${path}`, { method, headers: auth });
    expect(response.headers.get("cache-control"), path).toContain("no-store");
  }
});

test("no token value in the HTML or RSC payload of any list page, for admins or members", async () => {
  const values = storedValues();
  expect(values.length).toBeGreaterThan(3);
  const admin = await signIn(base, "admin@acme.test");
  const member = await signIn(base, "member@acme.test");
  const someToken = tokenId("acme", "CI pipeline");
  const pages = [
    "/acme/tokens",
    `/acme/tokens/${someToken}`,
    "/acme/audit",
    "/acme/members",
    "/acme/usage",
    "/acme/incidents",
    "/acme/api",
    "/acme/tokens?q=kw_&size=100",
  ];
  for (const cookie of [admin.cookie, member.cookie]) {
    for (const path of pages) {
      for (const rsc of [false, true]) {
        const url = rsc ? `${base}${path}${path.includes("?") ? "&" : "?"}_rsc=sec` : `${base}${path}`;
        const response = await fetch(url, { redirect: "manual", headers: { cookie, ...(rsc ? { RSC: "1" } : {}) } });
        const body = await response.text();
        expect(response.status, `${path} ${rsc ? "RSC" : "HTML"}`).toBeLessThan(500);
        expect(body, `${path}`).not.toMatch(TOKEN_VALUE);
        for (const value of values) expect(body).not.toContain(value.slice(3));
      }
    }
  }
});

test("crafted action calls: unknown ids, non-object arguments, junk bodies and other methods never reach a 5xx or change anything", async () => {
  const admin = await signIn(base, "admin@globex.test");
  const target = tokenId("globex", "Globex CI");
  const before = snapshot();
  const ids = actionIds();
  expect((await post(`${base}/globex/tokens`, `7f${"0".repeat(40)}`, ["$undefined", {}], { cookie: admin.cookie })).status).toBeLessThan(
    500,
  );
  expect((await post(`${base}/globex/tokens`, "not-an-action", ["$undefined", {}], { cookie: admin.cookie })).status).toBeLessThan(500);
  for (const [name, id] of ids) {
    if (name.endsWith("#signOutAction") || name.endsWith("#leaveOrganization")) continue;
    for (const args of [["x"], [5], [null], ["$undefined", "just a string"], ["$undefined", [1, 2]], ["$undefined", null], []]) {
      const sent = await post(`${base}/globex/tokens`, id, args, { cookie: admin.cookie });
      expect(sent.status, `${name} ${JSON.stringify(args)}: ${sent.text.slice(0, 200)}`).toBeLessThan(500);
    }
  }
  const disable = ids.get("lib/actions/tokens.ts#disableTokenAction")!;
  for (const method of ["PUT", "DELETE", "PATCH"]) {
    const response = await fetch(`${base}/globex/tokens`, {
      method,
      redirect: "manual",
      headers: { cookie: admin.cookie, "Next-Action": disable, "Content-Type": "text/plain;charset=UTF-8", Origin: base },
      body: JSON.stringify(["$undefined", { orgSlug: "globex", tokenId: target }]),
    });
    expect(response.status, method).toBeLessThan(500);
  }
  expect(snapshot()).toEqual(before);
});

test("server action input nested 20,000 deep is refused with 400 before Next.js decodes it (text, multipart, form without JavaScript), logs nothing, and actions keep working", async () => {
  const server = second!.url;
  const ids = actionIds();
  const disable = ids.get("lib/actions/tokens.ts#disableTokenAction")!;
  const enable = ids.get("lib/actions/tokens.ts#enableTokenAction")!;
  const admin = await signIn(server, "admin@globex.test", { Origin: server });
  const target = tokenId("globex", "Globex CI");
  const before = snapshot();
  const logBefore = second!.log().length;
  const input = (tokenIdJson: string) => `["$undefined",{"orgSlug":"globex","tokenId":${tokenIdJson}}]`;
  const deepInput = input("[".repeat(20_000) + "]".repeat(20_000));
  const send = async (body: string | FormData, headers: Record<string, string>) => {
    const response = await fetch(`${server}/globex/tokens`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: admin.cookie, Origin: server, Accept: "text/x-component", ...headers },
      body,
    });
    return { status: response.status, contentType: response.headers.get("content-type"), text: await response.text() };
  };
  const multipartReply = (root: string) => {
    const form = new FormData();
    form.append("0", root);
    return form;
  };
  // A form posted without JavaScript names its action in a field; bound arguments are parts too.
  const formPost = new FormData();
  formPost.append("$ACTION_REF_1", "");
  formPost.append("$ACTION_1:0", JSON.stringify({ id: disable, bound: "$@1" }));
  formPost.append("$ACTION_1:1", deepInput);

  const refusals = {
    text: await send(deepInput, { "Next-Action": disable, "Content-Type": "text/plain;charset=UTF-8" }),
    multipart: await send(multipartReply(deepInput), { "Next-Action": disable }),
    "form without JavaScript": await send(formPost, {}),
  };
  const statuses = Object.fromEntries(Object.entries(refusals).map(([name, sent]) => [name, sent.status]));
  expect(statuses).toEqual({ text: 400, multipart: 400, "form without JavaScript": 400 });
  for (const [name, sent] of Object.entries(refusals)) {
    expect(sent.contentType, name).toBe("application/json");
    expect(JSON.parse(sent.text), name).toEqual({ error: { message: "JSON nested too deeply.", details: null } });
  }
  expect(snapshot()).toEqual(before);
  expect(second!.log().slice(logBefore)).not.toMatch(/RangeError|Maximum call stack|\n\s+at /);

  // The same actions, nested as usual, still go through: the body Next.js reads is the one sent.
  const disabled = await send(input(JSON.stringify(target)), { "Next-Action": disable, "Content-Type": "text/plain;charset=UTF-8" });
  expect(actionResult(disabled), disabled.text.slice(0, 300)).toMatchObject({ ok: true });
  const enabled = await send(multipartReply(input(JSON.stringify(target))), { "Next-Action": enable });
  expect(actionResult(enabled), enabled.text.slice(0, 300)).toMatchObject({ ok: true });
});

test("two server processes on one SQLite file under mixed load: no 5xx, no SQLITE_BUSY, nothing lost", async () => {
  const ids = actionIds();
  const servers = [base, second!.url];
  const sessions = await Promise.all(servers.map((server) => signIn(server, "admin@globex.test")));
  const create = await post(
    `${base}/globex/tokens`,
    ids.get("lib/actions/tokens.ts#createTokenAction")!,
    [
      "$undefined",
      {
        orgSlug: "globex",
        name: `load ${Date.now()}`,
        scopes: ["api-tokens", "report"],
        visibility: "ADMIN_ONLY",
        quotaMax: "100000",
        quotaWindow: "MONTHLY",
        expiresAt: "",
      },
    ],
    { cookie: sessions[0]!.cookie },
  );
  const { tokenId: loadToken, value } = actionResult(create)!.data as { tokenId: string; value: string };
  const auth = { authorization: `Bearer ${value}`, "content-type": "application/json" };

  const statuses: number[] = [];
  let renames = 0;
  const work = Array.from({ length: 160 }, (_, i) => async () => {
    const server = servers[i % 2]!;
    let status: number;
    if (i % 4 === 0) {
      // Dashboard writes (a transaction with its audit row) interleaved with API charges.
      const sent = await post(
        `${server}/globex/tokens`,
        ids.get("lib/actions/tokens.ts#updateTokenAction")!,
        ["$undefined", { orgSlug: "globex", tokenId: loadToken, name: `load rename ${i}` }],
        {
          cookie: sessions[i % 2]!.cookie,
        },
      );
      status = sent.status;
      if (actionResult(sent)?.ok) renames++;
    } else if (i % 4 === 1) {
      status = (
        await fetch(`${server}/v0/orgs/globex/tokens`, {
          method: "POST",
          headers: auth,
          body: JSON.stringify({ name: `api ${i}`, scopes: ["report:read"] }),
        })
      ).status;
    } else {
      status = (await fetch(`${server}/v0/quota`, { headers: auth })).status;
    }
    statuses.push(status);
  });
  const queue = [...work];
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      while (queue.length) await queue.shift()!();
    }),
  );

  expect(
    statuses.filter((s) => s >= 500),
    statuses.join(","),
  ).toEqual([]);
  expect(statuses.filter((s) => s === 200).length).toBe(160);
  expect(second!.log()).not.toMatch(/SQLITE_BUSY|database is locked/);
  const db = openDb();
  try {
    const updates = db
      .prepare(`SELECT count(*) AS n FROM "AuditEvent" WHERE "targetId" = ? AND "action" = 'token.updated'`)
      .get(loadToken) as { n: number };
    expect(updates.n).toBe(renames);
    const created = db.prepare(`SELECT count(*) AS n FROM "ApiToken" WHERE "createdByTokenId" = ?`).get(loadToken) as { n: number };
    expect(created.n).toBe(40);
  } finally {
    db.close();
  }
});

test("the server's log never holds a token value or an invitation secret", async () => {
  const server = second!.url;
  const ids = actionIds();
  const admin = await signIn(server, "admin@globex.test", { Origin: server });
  const call = (name: string, input: Record<string, unknown>) =>
    post(`${server}/globex/tokens`, ids.get(name)!, ["$undefined", { orgSlug: "globex", ...input }], { cookie: admin.cookie });
  const created = actionResult(
    await call("lib/actions/tokens.ts#createTokenAction", {
      name: `log ${Date.now()}`,
      scopes: ["report:read"],
      visibility: "ORGANIZATION",
      quotaMax: "10",
      quotaWindow: "DAILY",
      expiresAt: "",
    }),
  )!;
  const tokenIdCreated = created.data!.tokenId as string;
  const seen = [created.data!.value as string];
  seen.push(actionResult(await call("lib/actions/tokens.ts#revealTokenAction", { tokenId: tokenIdCreated }))!.data!.value as string);
  const rotated = actionResult(await call("lib/actions/tokens.ts#rotateTokenAction", { tokenId: tokenIdCreated, graceHours: "1" }))!;
  seen.push(rotated.data!.value as string);
  for (const value of seen) {
    await fetch(`${server}/v0/quota`, { headers: { authorization: `Bearer ${value}` } });
    await fetch(`${server}/v0/quota?token=${value}`);
  }
  await fetch(`${server}/v0/leaked-tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tokens: [seen[0]] }),
  });
  const invited = actionResult(
    await call("lib/actions/invitations.ts#inviteMembers", { kind: "email", invitees: `log-${Date.now()}@example.test`, role: "MEMBER" }),
  )!;
  const link = (invited.data as { outcomes: { link?: string }[] }).outcomes[0]!.link!;
  expect(link).toMatch(/kwi_/);
  // A failed sign-in, a refused action and a crafted one, so error paths log too.
  await signIn(server, "admin@globex.test", { Origin: EVIL });
  await post(`${server}/globex/tokens`, ids.get("lib/actions/session.ts#signInWithGithub")!, [{ callbackUrl: seen[0] }], {
    cookie: admin.cookie,
  });
  await new Promise((resolve) => setTimeout(resolve, 500));

  const log = second!.log();
  expect(log).toContain("listening");
  expect(log).not.toMatch(TOKEN_VALUE);
  for (const value of seen) expect(log).not.toContain(value.slice(3));
  expect(log).not.toContain(link.split("/").at(-1)!);
  expect(log).not.toMatch(/kwi_[A-Za-z0-9_-]{20,}/);
});
