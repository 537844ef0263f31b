import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { db } from "@/lib/db/client";

import { insertToken, startApiServer, type TestApiServer, type TestToken } from "../support/api";
import { createTestOrg } from "../support/request-as";

// The real Socket CLI (@socketsecurity/cli, pinned in package.json) against a running Keyward, as
// a user would point it: SOCKET_CLI_API_BASE_URL and SOCKET_CLI_API_TOKEN. It runs offline and
// without prompts: a private HOME, config directory and temp directory, and its once-a-day npm
// update check recorded as just done (tiny-updater's record in TMPDIR).

const CLI = join(process.cwd(), "node_modules/@socketsecurity/cli/bin/cli.js");
const CLI_VERSION = (
  JSON.parse(readFileSync(join(process.cwd(), "node_modules/@socketsecurity/cli/package.json"), "utf8")) as { version: string }
).version;

let server: TestApiServer;
let org: { id: string; slug: string; name: string };
let token: TestToken;
let home: string;

type Run = { code: number | null; stdout: string; stderr: string };

function cliEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Nothing of this process's environment but PATH: the CLI sees only what a user would set.
  return {
    NODE_ENV: "production",
    PATH: process.env.PATH,
    HOME: home,
    XDG_DATA_HOME: join(home, "data"),
    TMPDIR: join(home, "tmp"),
    NO_COLOR: "1",
    SOCKET_CLI_API_BASE_URL: `${server.url}/v0/`,
    SOCKET_CLI_API_TOKEN: token.value,
    ...extra,
  };
}

/**
 * Runs `socket <args>` to the end (asynchronously: the API server answers in this process).
 * `keys` are typed once stdout shows `when`, as a person at the terminal would.
 */
function socket(args: string[], env: NodeJS.ProcessEnv = cliEnvironment(), keys?: { when: string; type: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let typed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (keys && !typed && stdout.includes(keys.when)) {
        typed = true;
        child.stdin.write(keys.type);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `--json` output: the CLI prints one JSON document, `{ ok, data }`. */
function jsonOf(run: Run): { ok: boolean; data: unknown } {
  expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as { ok: boolean; data: unknown };
}

beforeAll(async () => {
  server = await startApiServer();
  ({ org } = await createTestOrg("cli"));
  token = await insertToken(org.id, {
    name: "cli",
    scopes: ["repo", "audit-log", "api-tokens", "report"],
    visibility: "ADMIN_ONLY",
    quotaMax: 5_000,
  });
  home = mkdtempSync(join(tmpdir(), "keyward-socket-cli-"));
  mkdirSync(join(home, "data"));
  mkdirSync(join(home, "tmp"));
  const now = Date.now();
  const checked = JSON.stringify({ timestampFetch: now, timestampNotification: now, version: CLI_VERSION });
  writeFileSync(join(home, "tmp", "ionstore_tiny-updater.json"), JSON.stringify([["socket", checked]]));
});

afterAll(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

// Each run starts the CLI's large bundle (seconds on a busy machine); a test runs up to six.
describe("the Socket CLI against Keyward", { timeout: 240_000 }, () => {
  it("login: verifies the token against Keyward and saves it with the organization as default", async () => {
    // `socket login` only prompts (its docs: "Use SOCKET_CLI_API_TOKEN" where there is no terminal),
    // so it runs in a pseudo-terminal (script(1)) and is answered as a person would.
    const env = cliEnvironment();
    delete env.SOCKET_CLI_API_TOKEN;
    delete env.SOCKET_CLI_API_BASE_URL;
    env.TERM = "xterm";
    // A terminal size, which script(1) leaves at 0x0 without one of its own: the CLI's menus need rows.
    const command = `stty rows 40 cols 120; '${process.execPath}' '${CLI}' login --api-base-url '${server.url}/v0/'`;
    const run = await new Promise<Run>((resolve, reject) => {
      const child = spawn("script", ["-qec", command, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      const answered = new Set<string>();
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (!answered.has("token") && stdout.includes("Enter your")) {
          answered.add("token");
          child.stdin.write(`${token.value}\r`);
        }
        if (!answered.has("completion") && stdout.includes("tab completion?")) {
          answered.add("completion");
          child.stdin.write("\x1b[B\r"); // "No": leave the shell alone
        }
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr: "" }));
    });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`API token verified: ${org.slug}`);
    expect(run.stdout).toContain("API credentials set");
    const settings = readFileSync(join(home, "data", "socket", "settings", "config.json"), "utf8");
    const saved = JSON.parse(Buffer.from(settings, "base64").toString("utf8")) as Record<string, unknown>;
    expect(saved).toMatchObject({ apiToken: token.value, defaultOrg: org.slug, apiBaseUrl: `${server.url}/v0/` });
  });

  it("organization list: names the token's organization", async () => {
    const output = jsonOf(await socket(["organization", "list", "--json"]));
    expect(output).toMatchObject({ ok: true, data: { organizations: [{ id: org.id, slug: org.slug, name: org.name }] } });
  });

  it("organization quota: the token's quota", async () => {
    const output = jsonOf(await socket(["organization", "quota", "--json"]));
    expect(output).toMatchObject({ ok: true, data: { maxQuota: 5_000 } });
  });

  it("repository (repos) create, view, update, list --all and del", async () => {
    const created = jsonOf(
      await socket([
        "repository",
        "create",
        "cli-repo",
        "--org",
        org.slug,
        "--json",
        "--no-interactive",
        "--repo-description",
        "made by the CLI",
      ]),
    );
    expect(created).toMatchObject({ ok: true, data: { slug: "cli-repo", description: "made by the CLI" } });

    const viewed = jsonOf(await socket(["repository", "view", "cli-repo", "--org", org.slug, "--json", "--no-interactive"]));
    expect(viewed).toMatchObject({ ok: true, data: { slug: "cli-repo", head_full_scan_id: null } });

    const updated = jsonOf(
      await socket([
        "repository",
        "update",
        "cli-repo",
        "--org",
        org.slug,
        "--json",
        "--no-interactive",
        "--homepage",
        "https://example.test",
      ]),
    );
    expect(updated).toMatchObject({ ok: true, data: { homepage: "https://example.test" } });

    // More than one page of 100: --all starts at page=0 and follows nextPage.
    await db.repo.createMany({
      data: Array.from({ length: 120 }, (_, index) => ({ orgId: org.id, slug: `bulk-${index}`, name: `bulk-${index}` })),
    });
    const listed = jsonOf(await socket(["repository", "list", "--all", "--org", org.slug, "--json", "--no-interactive"])) as {
      data: { data: { results: { slug: string }[] } };
    };
    const slugs = listed.data.data.results.map((repo) => repo.slug);
    expect(slugs).toHaveLength(121);
    expect(new Set(slugs).size).toBe(121);
    expect(slugs).toContain("cli-repo");

    const deleted = await socket(["repository", "del", "cli-repo", "--org", org.slug, "--json", "--no-interactive"]);
    expect(jsonOf(deleted)).toMatchObject({ ok: true });
    expect(await db.repo.count({ where: { orgId: org.id, slug: "cli-repo" } })).toBe(0);
  });

  it("audit-log --json: the organization's events in Socket's shape", async () => {
    await db.auditEvent.create({
      data: { orgId: org.id, actorTokenId: token.tokenId, actorLabel: "cli", action: "token.created", ip: "198.51.100.4" },
    });
    // The CLI 1.2.1 prints the JSON and then opens its terminal table anyway (blessed, which it
    // bundles under external/ but requires by bare name: NODE_PATH finds it); q closes it.
    const env = cliEnvironment({ NODE_PATH: join(process.cwd(), "node_modules/@socketsecurity/cli/external") });
    const run = await socket(["audit-log", "--org", org.slug, "--json", "--no-interactive"], env, { when: '"logs"', type: "q" });
    const output = JSON.parse(run.stdout.slice(0, run.stdout.indexOf("\n}") + 2)) as {
      ok: boolean;
      data: { org: string; logs: { type: string; ip_address: string | null }[] };
    };
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(output.ok).toBe(true);
    expect(output.data.org).toBe(org.slug);
    expect(output.data.logs).toContainEqual(expect.objectContaining({ type: "CreateApiToken", ip_address: "198.51.100.4" }));
  });
});
