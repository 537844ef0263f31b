import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createApiStore } from "@/lib/api/create-store";
import { createApiHandler } from "@/lib/api/handler";
import type { Db } from "@/lib/db/client";
import { newTokenRows } from "@/lib/db/token-store";
import { decryptWebhookHeaders, encryptWebhookHeaders } from "@/lib/db/webhooks/headers-encryption";
import { decryptTokenValue, encryptTokenValue, generateKeySpec, parseKeyring, TokenDecryptionError, type TokenKeyring } from "@/lib/tokens";

import { privateDatabase } from "../security/private-db";
import { basicAuth } from "../support/api";

// `npm run keys:rotate` run for real (its own process) on a database of this test's own: every
// stored value ends up under the new key, decrypts to what it was, and every token keeps working
// through the API; keys saved before anything is re-encrypted; tampered values fail closed.

const ROOT = join(import.meta.dirname, "../..");
const TOKENS = 1_100; // more than two batches of 500

let database: Awaited<ReturnType<typeof privateDatabase>>;
let db: Db;
let dataDir: string;

beforeAll(async () => {
  database = await privateDatabase();
  db = database.db;
});

afterAll(async () => {
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function runKeysRotate(env: Record<string, string | undefined>, args: string[] = []): Promise<{ code: number | null; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: database.url, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts/keys-rotate.ts"), ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

/** An org with `count` tokens under `keyring`, plus a rotated one (old value: hash only) and a revoked one. */
async function seed(keyring: TokenKeyring, count: number) {
  const org = await db.org.create({ data: { slug: `keys-${randomUUID().slice(0, 8)}`, name: "Keys" } });
  const tokens: { tokenId: string; valueId: string; value: string }[] = [];
  const tokenRows = [];
  const valueRows = [];
  for (let i = 0; i < count; i++) {
    const rows = newTokenRows(keyring, {
      orgId: org.id,
      name: `t${i}`,
      scopes: [],
      visibility: "ORGANIZATION",
      quotaMax: 100,
      quotaWindow: "MONTHLY",
      expiresAt: null,
      createdById: null,
    });
    tokenRows.push(rows.token);
    valueRows.push(rows.value);
    tokens.push({ tokenId: rows.token.id, valueId: rows.value.id, value: rows.plaintext });
  }
  await db.apiToken.createMany({ data: tokenRows });
  await db.apiTokenValue.createMany({ data: valueRows });
  // A replaced value keeps only its hash; a revoked token keeps none: nothing to re-encrypt.
  await db.apiTokenValue.update({ where: { id: tokens[0]!.valueId }, data: { ciphertext: null } });
  return { org, tokens };
}

async function storedValues(orgId: string) {
  return db.apiTokenValue.findMany({ where: { orgId }, select: { id: true, ciphertext: true, keyVersion: true }, orderBy: { id: "asc" } });
}

async function apiStatuses(values: string[]): Promise<number[]> {
  const store = createApiStore(database.target);
  const handler = createApiHandler({ store, trustedProxyHops: 0 });
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    return await Promise.all(
      values.map(async (value) => (await fetch(`${url}/v0/quota`, { headers: { authorization: basicAuth(value) } })).status),
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await handler.flush();
    await store.close();
  }
}

describe("npm run keys:rotate", () => {
  it("with keys in secrets.json: adds a key, saves it first, re-encrypts every value in batches; every token still works", async () => {
    dataDir = mkdtempSync(join(tmpdir(), "keyward-keys-"));
    const oldSpec = generateKeySpec(1);
    const secretsFile = join(dataDir, "secrets.json");
    writeFileSync(secretsFile, JSON.stringify({ AUTH_SECRET: "x".repeat(40), TOKEN_ENCRYPTION_KEYS: oldSpec }), { mode: 0o600 });
    const oldKeyring = parseKeyring(oldSpec);
    const { org, tokens } = await seed(oldKeyring, TOKENS);
    const before = await storedValues(org.id);

    const run = await runKeysRotate({ TOKEN_ENCRYPTION_KEYS: undefined, KEYWARD_DATA_DIR: dataDir });

    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`${TOKENS - 1} value(s) re-encrypted under key version 2`);
    expect(run.output).not.toMatch(/kw_[0-9A-Za-z]{36}/);
    const saved = JSON.parse(readFileSync(secretsFile, "utf8")) as { AUTH_SECRET: string; TOKEN_ENCRYPTION_KEYS: string };
    expect(saved.AUTH_SECRET).toBe("x".repeat(40));
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const newKeyring = parseKeyring(saved.TOKEN_ENCRYPTION_KEYS);
    expect(newKeyring.current).toBe(2);
    expect(newKeyring.keys.get(1)).toEqual(oldKeyring.keys.get(1));

    const after = await storedValues(org.id);
    const plaintextOf = new Map(tokens.map((t) => [t.valueId, t.value]));
    for (const [index, row] of after.entries()) {
      if (row.ciphertext === null) {
        expect(before[index]!.ciphertext).toBeNull();
        continue;
      }
      expect(row.keyVersion).toBe(2);
      expect(row.ciphertext).not.toBe(before[index]!.ciphertext);
      // "Reveal" with the new keyring gives back the same value; the old keyring alone fails closed.
      expect(decryptTokenValue(newKeyring, row.ciphertext, row.keyVersion, row.id)).toBe(plaintextOf.get(row.id));
      expect(() => decryptTokenValue(oldKeyring, row.ciphertext!, row.keyVersion, row.id)).toThrow(TokenDecryptionError);
    }
    // Lookup is by hash: every token works through the API, including the one whose old value lost its ciphertext.
    const sample = [tokens[0]!, ...tokens.filter((_, i) => i % 97 === 1)].map((t) => t.value);
    expect(await apiStatuses(sample)).toEqual(sample.map(() => 200));

    // Values a not-yet-restarted server created under the old key meanwhile: --reencrypt picks them up, no new key.
    const straggler = newTokenRows(oldKeyring, {
      orgId: org.id,
      name: "late",
      scopes: [],
      visibility: "ORGANIZATION",
      quotaMax: 1,
      quotaWindow: "DAILY",
      expiresAt: null,
      createdById: null,
    });
    await db.apiToken.create({ data: straggler.token });
    await db.apiTokenValue.create({ data: straggler.value });
    const resume = await runKeysRotate({ TOKEN_ENCRYPTION_KEYS: undefined, KEYWARD_DATA_DIR: dataDir }, ["--reencrypt"]);
    expect(resume.code, resume.output).toBe(0);
    expect(resume.output).toContain("1 value(s) re-encrypted under key version 2");
    expect(resume.output).toContain("no value is under an older key");
    expect(JSON.parse(readFileSync(secretsFile, "utf8")).TOKEN_ENCRYPTION_KEYS).toBe(saved.TOKEN_ENCRYPTION_KEYS);
    const late = await db.apiTokenValue.findUniqueOrThrow({
      where: { id: straggler.value.id },
      select: { ciphertext: true, keyVersion: true },
    });
    expect(decryptTokenValue(newKeyring, late.ciphertext!, late.keyVersion, straggler.value.id)).toBe(straggler.plaintext);
  });

  it("with keys in the environment: prints the new spec first; a tampered value is left as it is and listed, never guessed at", async () => {
    const oldSpec = generateKeySpec(3);
    const oldKeyring = parseKeyring(oldSpec);
    const { org, tokens } = await seed(oldKeyring, 5);
    const tampered = tokens[2]!;
    const row = await db.apiTokenValue.findUniqueOrThrow({ where: { id: tampered.valueId }, select: { ciphertext: true } });
    const bytes = Buffer.from(row.ciphertext!, "base64url");
    bytes[bytes.length - 3]! ^= 0x40;
    const tamperedCiphertext = bytes.toString("base64url");
    await db.apiTokenValue.update({ where: { id: tampered.valueId }, data: { ciphertext: tamperedCiphertext } });
    // A ciphertext moved onto another row does not decrypt there either (the row id is bound to it).
    const moved = tokens[3]!;
    const donor = await db.apiTokenValue.findUniqueOrThrow({ where: { id: tokens[4]!.valueId }, select: { ciphertext: true } });
    await db.apiTokenValue.update({ where: { id: moved.valueId }, data: { ciphertext: donor.ciphertext } });

    const run = await runKeysRotate({ TOKEN_ENCRYPTION_KEYS: oldSpec, KEYWARD_DATA_DIR: join(tmpdir(), `keyward-none-${randomUUID()}`) });

    expect(run.code, run.output).toBe(2);
    const printed = /^TOKEN_ENCRYPTION_KEYS=(\S+)$/m.exec(run.output)?.[1];
    expect(printed).toBeTruthy();
    // Printed before any value was re-encrypted under it.
    expect(run.output.indexOf("TOKEN_ENCRYPTION_KEYS=")).toBeLessThan(run.output.indexOf("re-encrypted so far"));
    const newKeyring = parseKeyring(printed);
    expect(newKeyring.current).toBe(4);
    expect(run.output).toContain(`value ${tampered.valueId}`);
    expect(run.output).toContain(`value ${moved.valueId}`);
    for (const token of tokens) expect(run.output).not.toContain(token.value);

    const after = await storedValues(org.id);
    for (const value of after) {
      if (value.id === tampered.valueId) expect(value).toMatchObject({ ciphertext: tamperedCiphertext, keyVersion: 3 });
      else if (value.id === moved.valueId) expect(value).toMatchObject({ ciphertext: donor.ciphertext, keyVersion: 3 });
      else if (value.ciphertext)
        expect(decryptTokenValue(newKeyring, value.ciphertext, value.keyVersion, value.id)).toBe(
          tokens.find((t) => t.valueId === value.id)!.value,
        );
    }
    expect(() => decryptTokenValue(newKeyring, tamperedCiphertext, 3, tampered.valueId)).toThrow(TokenDecryptionError);
  });

  it("re-encrypts webhook signing secrets and request headers too (plain-text headers included), each to the same value, under the new key", async () => {
    const oldSpec = generateKeySpec(5);
    const oldKeyring = parseKeyring(oldSpec);
    const org = await db.org.create({ data: { slug: `keys-hook-${randomUUID().slice(0, 8)}`, name: "Keys hooks" } });
    const id = randomUUID();
    const secret = "webhook-secret-kept-through-rotation";
    const encrypted = encryptTokenValue(oldKeyring, secret, id);
    await db.webhook.create({
      data: {
        id,
        orgId: org.id,
        name: "h",
        url: "https://hooks.example.com/",
        events: "token.revoked",
        secretCiphertext: encrypted.ciphertext,
        secretKeyVersion: encrypted.keyVersion,
        ...encryptWebhookHeaders(oldKeyring, id, { Authorization: "Bearer header-kept-through-rotation" }),
      },
    });
    // Headers stored in plain text before they were encrypted (a server that has not restarted since the upgrade).
    const legacyId = randomUUID();
    const legacySecret = encryptTokenValue(oldKeyring, secret, legacyId);
    await db.webhook.create({
      data: {
        id: legacyId,
        orgId: org.id,
        name: "legacy",
        url: "https://hooks.example.com/",
        events: "token.revoked",
        secretCiphertext: legacySecret.ciphertext,
        secretKeyVersion: legacySecret.keyVersion,
        legacyHeaders: JSON.stringify({ "X-Api-Key": "plain-header-before-rotation" }),
      },
    });

    const run = await runKeysRotate({ TOKEN_ENCRYPTION_KEYS: oldSpec, KEYWARD_DATA_DIR: join(tmpdir(), `keyward-none-${randomUUID()}`) });

    const newKeyring = parseKeyring(/^TOKEN_ENCRYPTION_KEYS=(\S+)$/m.exec(run.output)?.[1]);
    const row = await db.webhook.findUniqueOrThrow({ where: { id } });
    expect(row.secretKeyVersion, run.output).toBe(newKeyring.current);
    expect(decryptTokenValue(newKeyring, row.secretCiphertext, row.secretKeyVersion, id)).toBe(secret);
    expect(row.headersKeyVersion).toBe(newKeyring.current);
    // Only the new keyring reads them now (the old one lacks the new key).
    expect(decryptWebhookHeaders(newKeyring, row)).toEqual({ Authorization: "Bearer header-kept-through-rotation" });
    expect(() => decryptWebhookHeaders(oldKeyring, row)).toThrow(TokenDecryptionError);
    const legacy = await db.webhook.findUniqueOrThrow({ where: { id: legacyId } });
    expect(legacy).toMatchObject({ legacyHeaders: null, headersKeyVersion: newKeyring.current });
    expect(legacy.headersCiphertext).not.toContain("plain-header-before-rotation");
    expect(decryptWebhookHeaders(newKeyring, legacy)).toEqual({ "X-Api-Key": "plain-header-before-rotation" });
    expect(run.output).not.toContain(secret);
    expect(run.output).not.toMatch(/header-kept-through-rotation|plain-header-before-rotation/);
  });

  it("refuses to start without keys or with a broken database URL, changing nothing", async () => {
    const noKeys = await runKeysRotate({
      TOKEN_ENCRYPTION_KEYS: undefined,
      KEYWARD_DATA_DIR: join(tmpdir(), `keyward-none-${randomUUID()}`),
    });
    expect(noKeys.code).toBe(1);
    expect(noKeys.output).toMatch(/no keys found/);
    const badKeys = await runKeysRotate({ TOKEN_ENCRYPTION_KEYS: "1:not-a-key" });
    expect(badKeys.code).toBe(1);
    expect(badKeys.output).toMatch(/TOKEN_ENCRYPTION_KEYS/);
    expect(badKeys.output).not.toContain("not-a-key");
    const badUrl = await runKeysRotate({ TOKEN_ENCRYPTION_KEYS: generateKeySpec(1), DATABASE_URL: "mysql://nope" });
    expect(badUrl.code).toBe(1);
    expect(badUrl.output).toMatch(/DATABASE_URL/);
  });
});

it("npm run keys:new (named by the production start error) prints secrets the start check accepts", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts/keys-new.ts")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  await new Promise((resolve) => child.once("exit", resolve));
  const auth = /^AUTH_SECRET=(\S+)$/m.exec(output)?.[1];
  const keys = /^TOKEN_ENCRYPTION_KEYS=(\S+)$/m.exec(output)?.[1];
  expect(auth?.length).toBeGreaterThanOrEqual(32);
  expect(parseKeyring(keys).current).toBe(1);
});

// The encryption format stays what the script relies on: fresh nonce, version recorded.
it("re-encrypting the same value twice gives different ciphertexts under the same version", () => {
  const keyring = parseKeyring(generateKeySpec(7));
  const a = encryptTokenValue(keyring, "kw_x", "row");
  const b = encryptTokenValue(keyring, "kw_x", "row");
  expect(a.ciphertext).not.toBe(b.ciphertext);
  expect(a.keyVersion).toBe(7);
});
