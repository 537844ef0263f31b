// `npm run keys:rotate`: re-encrypts every stored token value under a new key.
//
//   npm run keys:rotate                  new key version (current from now on), then re-encrypt
//   npm run keys:rotate -- --reencrypt   no new key: re-encrypt whatever is not under the current
//                                        key (after a crash midway, after servers that still had
//                                        the old key created values, or after adding a key by hand)
//
// The keys come from TOKEN_ENCRYPTION_KEYS when set, else from <KEYWARD_DATA_DIR>/secrets.json
// (where `npm start` keeps generated ones). The new keyring is saved (secrets.json, atomically,
// mode 0600) or printed (environment) BEFORE any value is re-encrypted under it, so no value is
// ever under a key that exists nowhere. Old keys stay in the keyring: values created meanwhile by
// servers not yet restarted are still readable. Token values themselves never change, so every
// token keeps working through the API (lookup is by hash) the whole time.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

import { parseStartupEnv } from "../lib/config/env";
import { ConfigError } from "../lib/config/secrets";
import { createDb, type Db } from "../lib/db/client";
import { DatabaseUrlError, resolveDatabaseTarget } from "../lib/db/database-url";
import {
  decryptWebhookHeaders,
  encryptLegacyWebhookHeaders,
  encryptWebhookHeaders,
  STORED_HEADERS_SELECT,
  type WebhookHeaders,
} from "../lib/db/webhooks/headers-encryption";
import {
  decryptTokenValue,
  encryptTokenValue,
  formatKeyring,
  KeyringError,
  parseKeyring,
  TokenDecryptionError,
  type TokenKeyring,
} from "../lib/tokens/encryption";

const ROOT = resolve(import.meta.dirname, "..");
const BATCH_SIZE = 500;
const log = (line: string) => console.log(`keys:rotate: ${line}`);

type KeySource = { kind: "env" } | { kind: "file"; file: string; stored: Record<string, unknown> };

function loadKeys(dataDir: string): { spec: string; source: KeySource } {
  const fromEnv = process.env.TOKEN_ENCRYPTION_KEYS?.trim();
  if (fromEnv) return { spec: fromEnv, source: { kind: "env" } };
  const file = join(dataDir, "secrets.json");
  if (!existsSync(file)) throw new ConfigError(`no keys found: TOKEN_ENCRYPTION_KEYS is not set and ${file} does not exist`);
  let stored: Record<string, unknown>;
  try {
    stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    throw new ConfigError(`${file} is corrupt (not JSON); restore it from a backup`);
  }
  if (typeof stored.TOKEN_ENCRYPTION_KEYS !== "string") throw new ConfigError(`${file} has no TOKEN_ENCRYPTION_KEYS`);
  return { spec: stored.TOKEN_ENCRYPTION_KEYS, source: { kind: "file", file, stored } };
}

/** The keyring with a new key that encrypts from now on; earlier keys still decrypt. */
function withNewKey(keyring: TokenKeyring): TokenKeyring {
  const version = Math.max(...keyring.keys.keys()) + 1;
  const keys = new Map(keyring.keys);
  keys.set(version, randomBytes(32));
  return { current: version, keys };
}

/** Replaces the file in one step (write, then rename), so a crash leaves the old or the new file. */
function saveKeys(source: Extract<KeySource, { kind: "file" }>, spec: string): void {
  const temporary = `${source.file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ ...source.stored, TOKEN_ENCRYPTION_KEYS: spec }, null, 2) + "\n", { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, source.file);
}

type Outcome = { reencrypted: number; changedMeanwhile: number; undecryptable: string[] };

/**
 * Re-encrypts, batch by batch, every value not under the current key. Each row is updated only if
 * its ciphertext is still the one read (a value rotated or revoked meanwhile is left as it is now),
 * and each batch commits on its own, so a run can stop anywhere and be resumed.
 */
async function reencryptAll(db: Db, keyring: TokenKeyring): Promise<Outcome> {
  const outcome: Outcome = { reencrypted: 0, changedMeanwhile: 0, undecryptable: [] };
  let after = "";
  for (;;) {
    const rows = await db.apiTokenValue.findMany({
      where: { ciphertext: { not: null }, keyVersion: { not: keyring.current }, id: { gt: after } },
      select: { id: true, ciphertext: true, keyVersion: true },
      orderBy: { id: "asc" },
      take: BATCH_SIZE,
    });
    if (rows.length === 0) return outcome;
    after = rows[rows.length - 1]!.id;
    const updates = [];
    for (const row of rows) {
      let plaintext: string;
      try {
        plaintext = decryptTokenValue(keyring, row.ciphertext!, row.keyVersion, row.id);
      } catch (error) {
        if (!(error instanceof TokenDecryptionError)) throw error;
        // Fails closed: left as it is (it could not be revealed before either); listed below.
        outcome.undecryptable.push(row.id);
        continue;
      }
      const encrypted = encryptTokenValue(keyring, plaintext, row.id);
      updates.push(
        db.apiTokenValue.updateMany({
          where: { id: row.id, ciphertext: row.ciphertext, keyVersion: row.keyVersion },
          data: { ciphertext: encrypted.ciphertext, keyVersion: encrypted.keyVersion },
        }),
      );
    }
    const results = await db.$transaction(updates);
    for (const result of results) {
      if (result.count === 1) outcome.reencrypted++;
      else outcome.changedMeanwhile++;
    }
    log(`${outcome.reencrypted} value(s) re-encrypted so far`);
  }
}

/**
 * Webhook signing secrets and request headers are encrypted with the same keyring (the webhook id
 * as associated data): the same pass for them, both columns of a row in one guarded update.
 * Headers still in plain text (from before they were encrypted) are encrypted first.
 */
async function reencryptWebhooks(db: Db, keyring: TokenKeyring, outcome: Outcome): Promise<void> {
  const plain = await encryptLegacyWebhookHeaders(db, keyring);
  if (plain > 0) log(`encrypted the plain-text request headers of ${plain} webhook(s)`);
  const rows = await db.webhook.findMany({
    where: { OR: [{ secretKeyVersion: { not: keyring.current } }, { headersKeyVersion: { not: keyring.current } }] },
    select: { ...STORED_HEADERS_SELECT, secretCiphertext: true, secretKeyVersion: true, updatedAt: true },
  });
  for (const row of rows) {
    let secret: string;
    let headers: WebhookHeaders | null;
    try {
      secret = decryptTokenValue(keyring, row.secretCiphertext, row.secretKeyVersion, row.id);
      headers = decryptWebhookHeaders(keyring, row);
    } catch (error) {
      if (!(error instanceof TokenDecryptionError)) throw error;
      outcome.undecryptable.push(`webhook ${row.id}`);
      continue;
    }
    const encrypted = encryptTokenValue(keyring, secret, row.id);
    const updated = await db.webhook.updateMany({
      where: {
        id: row.id,
        secretCiphertext: row.secretCiphertext,
        secretKeyVersion: row.secretKeyVersion,
        headersCiphertext: row.headersCiphertext,
        legacyHeaders: row.legacyHeaders,
      },
      data: {
        secretCiphertext: encrypted.ciphertext,
        secretKeyVersion: encrypted.keyVersion,
        ...encryptWebhookHeaders(keyring, row.id, headers),
        // Re-encryption is not a change to the webhook: its updated_at stays.
        updatedAt: row.updatedAt,
      },
    });
    const values = row.headersCiphertext === null ? 1 : 2;
    if (updated.count === 1) outcome.reencrypted += values;
    else outcome.changedMeanwhile += values;
  }
  if (rows.length > 0) log(`${rows.length} webhook(s) looked at`);
}

async function main() {
  const reencryptOnly = process.argv.includes("--reencrypt");
  const unknown = process.argv.slice(2).filter((arg) => arg !== "--reencrypt");
  if (unknown.length > 0) throw new ConfigError(`unknown argument ${unknown[0]} (only --reencrypt)`);

  const env = parseStartupEnv(process.env);
  const { spec, source } = loadKeys(resolve(ROOT, env.KEYWARD_DATA_DIR));
  let keyring = parseKeyring(spec);
  const target = resolveDatabaseTarget(env.DATABASE_URL, ROOT);
  const db = createDb(target);
  try {
    // Fail before touching the keys if the database is not there (or not migrated).
    await db.apiTokenValue.count();

    if (!reencryptOnly) {
      keyring = withNewKey(keyring);
      const newSpec = formatKeyring(keyring);
      if (source.kind === "file") {
        saveKeys(source, newSpec);
        log(`added key version ${keyring.current} to ${source.file}; it encrypts from now on`);
      } else {
        log(`new key version ${keyring.current}. Set this as TOKEN_ENCRYPTION_KEYS everywhere Keyward runs (it keeps the old keys):`);
        console.log(`TOKEN_ENCRYPTION_KEYS=${newSpec}`);
      }
    }

    const outcome = await reencryptAll(db, keyring);
    await reencryptWebhooks(db, keyring, outcome);
    const remaining = await db.apiTokenValue.groupBy({
      by: ["keyVersion"],
      where: { ciphertext: { not: null }, keyVersion: { not: keyring.current } },
      _count: { _all: true },
    });
    const webhooksRemaining = await db.webhook.groupBy({
      by: ["secretKeyVersion"],
      where: { secretKeyVersion: { not: keyring.current } },
      _count: { _all: true },
    });
    const webhookHeadersRemaining = await db.webhook.groupBy({
      by: ["headersKeyVersion"],
      where: { headersKeyVersion: { not: keyring.current } },
      _count: { _all: true },
    });
    for (const row of webhooksRemaining)
      remaining.push({ keyVersion: row.secretKeyVersion, _count: row._count } as (typeof remaining)[number]);
    for (const row of webhookHeadersRemaining)
      remaining.push({ keyVersion: row.headersKeyVersion, _count: row._count } as (typeof remaining)[number]);
    log(
      `done: ${outcome.reencrypted} value(s) re-encrypted under key version ${keyring.current}` +
        (outcome.changedMeanwhile ? `, ${outcome.changedMeanwhile} rotated or revoked meanwhile (left as they are)` : ""),
    );
    if (outcome.undecryptable.length > 0) {
      log(
        `${outcome.undecryptable.length} value(s) could not be decrypted with any key and were left as they are; rotate these tokens' values:`,
      );
      for (const id of outcome.undecryptable) log(`  value ${id}`);
    }
    if (!reencryptOnly) {
      log("restart every Keyward server so it encrypts with the new key and can reveal the re-encrypted values;");
      log("then run `npm run keys:rotate -- --reencrypt` once more for values created in the meantime.");
    }
    const left = remaining.map((r) => `${r._count._all} under version ${r.keyVersion}`).join(", ");
    log(
      left
        ? `still under older keys: ${left}`
        : `no value is under an older key: versions ${[...keyring.keys.keys()].filter((v) => v !== keyring.current).join(", ") || "none"} may be removed once every server has restarted`,
    );
    process.exitCode = outcome.undecryptable.length > 0 ? 2 : 0;
  } finally {
    await db.$disconnect();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DatabaseUrlError || error instanceof KeyringError) {
    console.error(`keys:rotate: ${error.message}`);
  } else {
    console.error("keys:rotate: failed:", error);
  }
  process.exit(1);
});
