// `npm run backup [destination]`: a consistent copy of the SQLite database, taken while Keyward
// runs (lib/db/backup.ts). On PostgreSQL it explains pg_dump instead.
import { resolve } from "node:path";

import { parseStartupEnv } from "../lib/config/env";
import { ConfigError } from "../lib/config/secrets";
import { BackupError, backupSqlite, defaultBackupPath } from "../lib/db/backup";
import { DatabaseUrlError, resolveDatabaseTarget } from "../lib/db/database-url";

const ROOT = resolve(import.meta.dirname, "..");

async function main() {
  const env = parseStartupEnv(process.env);
  const target = resolveDatabaseTarget(env.DATABASE_URL, ROOT);
  if (target.provider === "postgresql") {
    console.log("keyward: DATABASE_URL names PostgreSQL; back it up with pg_dump:");
    console.log('  pg_dump --format=custom --file=keyward.dump "$DATABASE_URL"');
    console.log("and restore with pg_restore (README, Operations: backups).");
    remindSecrets(env.KEYWARD_DATA_DIR);
    return;
  }
  const destination = process.argv[2] ? resolve(process.argv[2]) : defaultBackupPath(target.file);
  const { path, bytes } = await backupSqlite(target.file, destination);
  console.log(`keyward: backed up ${target.file} to ${path} (${(bytes / 1024 / 1024).toFixed(1)} MB, integrity check ok)`);
  remindSecrets(env.KEYWARD_DATA_DIR);
}

// Token values are stored encrypted: a database copy without its keys cannot reveal or verify them.
function remindSecrets(dataDir: string) {
  console.log(
    `keyward: back up the secrets too, separately from this copy: ${resolve(ROOT, dataDir, "secrets.json")}` +
      " (or AUTH_SECRET and TOKEN_ENCRYPTION_KEYS where you set them in the environment). Without TOKEN_ENCRYPTION_KEYS the stored token values cannot be decrypted.",
  );
}

main().catch((error: unknown) => {
  const known = [BackupError, ConfigError, DatabaseUrlError].some((type) => error instanceof type);
  console.error(`keyward: backup failed: ${known ? (error as Error).message : String(error)}`);
  process.exit(1);
});
