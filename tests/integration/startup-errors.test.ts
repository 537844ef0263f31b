import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const dirs: string[] = [];

/** Runs `npm start`'s script with a clean environment and returns what a person would see. */
function start(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "keyward-start-"));
  dirs.push(dataDir);
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? "/tmp",
      KEYWARD_DATA_DIR: dataDir,
      DATABASE_URL: `file:${join(dataDir, "keyward.db")}`,
      KEYWARD_DEMO: "0",
      PORT: String(40_000 + Math.floor(Math.random() * 20_000)),
      ...env,
    } as Record<string, string> as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { ...result, dataDir, stderrLines: result.stderr.trim().split("\n").filter(Boolean) };
}

afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("npm start refuses a bad configuration with one clear line", () => {
  it.each([
    [
      "a DATABASE_URL of an unknown kind",
      { DATABASE_URL: "mysql://localhost/keyward" },
      /^keyward: DATABASE_URL must start with file:, postgres:\/\/ or postgresql:\/\//,
    ],
    ["an unreachable PostgreSQL", { DATABASE_URL: "postgresql://keyward@127.0.0.1:1/keyward" }, /^keyward: .*(connect|ECONNREFUSED)/i],
    ["a PORT that is not a number", { PORT: "http" }, /^keyward: PORT is invalid/],
    ["a malformed encryption key", { TOKEN_ENCRYPTION_KEYS: "1:not-a-key" }, /^keyward: TOKEN_ENCRYPTION_KEYS/],
    ["a short AUTH_SECRET", { AUTH_SECRET: "short" }, /^keyward: AUTH_SECRET must be at least 32 characters/],
    [
      "missing secrets when NODE_ENV=production",
      { NODE_ENV: "production" },
      /^keyward: AUTH_SECRET and TOKEN_ENCRYPTION_KEYS must be set when NODE_ENV=production/,
    ],
  ])("%s", (_label, env, expected) => {
    const result = start(env);
    expect(result.status).toBe(1);
    expect(result.stderrLines).toHaveLength(1);
    expect(result.stderrLines[0]).toMatch(expected);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("a corrupt key file", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "keyward-start-"));
    dirs.push(dataDir);
    writeFileSync(join(dataDir, "secrets.json"), "{ this is not json");
    const result = start({ KEYWARD_DATA_DIR: dataDir });
    expect(result.status).toBe(1);
    expect(result.stderrLines).toEqual([expect.stringMatching(/^keyward: .*secrets\.json is corrupt/)]);
  });

  it("a port in use", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = start({ PORT: String(port), HOST: "127.0.0.1" });
      expect(result.status).toBe(1);
      expect(result.stderrLines).toEqual([`keyward: port ${port} is already in use (set PORT to another port)`]);
    } finally {
      blocker.close();
    }
  });

  it("generates missing secrets once into the data directory, readable by its owner only", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "keyward-start-"));
    dirs.push(dataDir);
    // An unsupported DATABASE_URL stops the start right after the secrets step.
    const first = start({ KEYWARD_DATA_DIR: dataDir, DATABASE_URL: "mysql://x" });
    expect(first.stdout).toContain("Generated AUTH_SECRET and TOKEN_ENCRYPTION_KEYS");
    const file = join(dataDir, "secrets.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secrets = readFileSync(file, "utf8");
    const second = start({ KEYWARD_DATA_DIR: dataDir, DATABASE_URL: "mysql://x" });
    expect(second.stdout).not.toContain("Generated");
    expect(readFileSync(file, "utf8")).toBe(secrets);
  });
});
