import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

import { generateKeySpec, KeyringError, parseKeyring } from "../tokens/encryption";

export class ConfigError extends Error {}

const SECRETS_FILE = "secrets.json";
const secretsFileSchema = z.object({ AUTH_SECRET: z.string().min(32), TOKEN_ENCRYPTION_KEYS: z.string().min(1) });

export type Secrets = { AUTH_SECRET: string; TOKEN_ENCRYPTION_KEYS: string };

/**
 * AUTH_SECRET and TOKEN_ENCRYPTION_KEYS come from the environment. Without them, the first
 * start generates both into <dataDir>/secrets.json (mode 0600) so that a quickstart needs no
 * setup; an explicit production deployment (NODE_ENV=production) must set them itself.
 */
export function loadOrCreateSecrets(opts: {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  production: boolean;
  log: (line: string) => void;
}): Secrets {
  const { env, dataDir } = opts;
  const fromEnv = { AUTH_SECRET: env.AUTH_SECRET?.trim(), TOKEN_ENCRYPTION_KEYS: env.TOKEN_ENCRYPTION_KEYS?.trim() };
  const file = join(dataDir, SECRETS_FILE);
  let stored: Partial<Secrets> = {};
  if ((!fromEnv.AUTH_SECRET || !fromEnv.TOKEN_ENCRYPTION_KEYS) && existsSync(file)) {
    stored = readSecretsFile(file);
  }
  const missing = (["AUTH_SECRET", "TOKEN_ENCRYPTION_KEYS"] as const).filter((k) => !fromEnv[k] && !stored[k]);
  if (missing.length > 0 && opts.production) {
    throw new ConfigError(`${missing.join(" and ")} must be set when NODE_ENV=production (generate with: npm run keys:new)`);
  }
  let secrets: Secrets = {
    AUTH_SECRET: fromEnv.AUTH_SECRET || stored.AUTH_SECRET || "",
    TOKEN_ENCRYPTION_KEYS: fromEnv.TOKEN_ENCRYPTION_KEYS || stored.TOKEN_ENCRYPTION_KEYS || "",
  };
  if (missing.length > 0) {
    secrets = {
      AUTH_SECRET: secrets.AUTH_SECRET || randomBytes(32).toString("base64url"),
      TOKEN_ENCRYPTION_KEYS: secrets.TOKEN_ENCRYPTION_KEYS || generateKeySpec(1),
    };
    mkdirSync(dataDir, { recursive: true });
    const toStore = { ...stored, ...Object.fromEntries(missing.map((k) => [k, secrets[k]])) };
    writeFileSync(file, JSON.stringify(toStore, null, 2) + "\n", { mode: 0o600 });
    chmodSync(file, 0o600);
    opts.log(`Generated ${missing.join(" and ")} into ${file} (mode 0600). Back it up: it decrypts your tokens.`);
  }
  validateSecrets(secrets, fromEnv.TOKEN_ENCRYPTION_KEYS ? "TOKEN_ENCRYPTION_KEYS" : file);
  return secrets;
}

function readSecretsFile(file: string): Partial<Secrets> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new ConfigError(`${file} is corrupt (not JSON). Restore it from a backup, or remove it only if no token was created yet.`);
  }
  const result = secretsFileSchema.partial().safeParse(parsed);
  if (!result.success) {
    throw new ConfigError(`${file} is corrupt (${result.error.issues[0]?.path.join(".")}: ${result.error.issues[0]?.message}).`);
  }
  return result.data;
}

function validateSecrets(secrets: Secrets, keySource: string) {
  if (secrets.AUTH_SECRET.length < 32) {
    throw new ConfigError("AUTH_SECRET must be at least 32 characters (generate one with: openssl rand -base64 32)");
  }
  try {
    parseKeyring(secrets.TOKEN_ENCRYPTION_KEYS);
  } catch (error) {
    if (error instanceof KeyringError) throw new ConfigError(`${keySource}: ${error.message}`);
    throw error;
  }
}
