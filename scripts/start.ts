// `npm start`: configure, migrate, seed the demo on first run, build when needed, serve.
import { resolve } from "node:path";

import { parseStartupEnv, usageRetentionFromEnv } from "../lib/config/env";
import { ConfigError, loadOrCreateSecrets } from "../lib/config/secrets";
import { AdvisoryLockError, STARTUP_LOCK, withAdvisoryLock } from "../lib/db/advisory-lock";
import { DatabaseUrlError, resolveDatabaseTarget } from "../lib/db/database-url";
import { applyMigrations, MigrationError } from "../lib/db/migrate";
import { BuildError, buildIfNeeded } from "../lib/server/build";
import { assertPortFree, PortInUseError, SHUTDOWN_TIMEOUT_MS, shutdownHttpServer, startHttpServer } from "../lib/server/http-server";

const log = (line: string) => console.log(`keyward: ${line}`);
const ROOT = resolve(import.meta.dirname, "..");

async function main() {
  const dev = process.env.KEYWARD_DEV === "1";
  // An operator who says NODE_ENV=production must configure secrets explicitly.
  const explicitProduction = process.env.NODE_ENV === "production";
  const env = parseStartupEnv(process.env);
  const secrets = loadOrCreateSecrets({
    env: process.env,
    dataDir: resolve(ROOT, env.KEYWARD_DATA_DIR),
    production: explicitProduction,
    log,
  });
  const target = resolveDatabaseTarget(env.DATABASE_URL, ROOT);
  Object.assign(process.env, secrets, { DATABASE_URL: target.url, NEXT_TELEMETRY_DISABLED: "1" });

  await assertPortFree(env.PORT, env.HOST);

  // Several servers may start at once on one PostgreSQL: the first migrates (and seeds), the others
  // wait for it and then find nothing left to do.
  await withAdvisoryLock(target, STARTUP_LOCK, { wait: true }, async () => {
    const applied = await applyMigrations(target);
    if (applied.length > 0) log(`applied ${applied.length} migration(s) to ${target.provider === "sqlite" ? target.file : "PostgreSQL"}`);
    await encryptPlainWebhookHeaders(target);
    if (env.KEYWARD_DEMO) await seedDemo(target);
  });

  if (!dev) buildIfNeeded(ROOT, log);
  Object.assign(process.env, { NODE_ENV: dev ? "development" : "production" });
  const server = await startHttpServer({
    port: env.PORT,
    host: env.HOST,
    dev,
    dir: ROOT,
    trustedProxyHops: env.TRUST_PROXY,
    metricsToken: env.KEYWARD_METRICS_TOKEN,
  });
  const shownHost = env.HOST === "0.0.0.0" || env.HOST === "::" ? "localhost" : env.HOST;
  log(`ready on http://${shownHost}:${env.PORT} (${target.provider === "sqlite" ? `SQLite ${target.file}` : "PostgreSQL"})`);
  const { startIncidentSweeper } = await import("../lib/server/incident-sweeper");
  const stopSweeper = startIncidentSweeper(log);
  const [{ startUsageRetention }, { db }] = await Promise.all([import("../lib/server/usage-retention-job"), import("../lib/db/client")]);
  const stopRetention = startUsageRetention(target, db, usageRetentionFromEnv(process.env), log);
  const { startWebhookWorker } = await import("../lib/server/webhook-worker");
  const stopWebhooks = startWebhookWorker(db, log);

  const shutdown = (signal: string) => {
    log(`${signal} received, shutting down (at most ${SHUTDOWN_TIMEOUT_MS / 1000} s)`);
    stopSweeper();
    stopRetention();
    stopWebhooks();
    // Requests in progress finish and the last batch of API usage rows is written (lib/server/http-server.ts).
    void shutdownHttpServer(server).finally(() => process.exit(0));
    setTimeout(() => {
      log(`still busy after ${SHUTDOWN_TIMEOUT_MS / 1000} s, exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

/** Webhook headers stored in plain text before they were encrypted: encrypted once, here (until then reads fall back to them). */
async function encryptPlainWebhookHeaders(target: ReturnType<typeof resolveDatabaseTarget>) {
  const [{ createDb }, { encryptLegacyWebhookHeaders }, { getKeyring }] = await Promise.all([
    import("../lib/db/client"),
    import("../lib/db/webhooks/headers-encryption"),
    import("../lib/config/keyring"),
  ]);
  const db = createDb(target);
  try {
    const encrypted = await encryptLegacyWebhookHeaders(db, getKeyring());
    if (encrypted > 0) log(`encrypted the request headers of ${encrypted} webhook(s) stored before headers were encrypted`);
  } finally {
    await db.$disconnect();
  }
}

async function seedDemo(target: ReturnType<typeof resolveDatabaseTarget>) {
  const [{ createDb }, { seedDemoData, DEMO_PASSWORD, DEMO_USERS }, { getKeyring }] = await Promise.all([
    import("../lib/db/client"),
    import("../lib/db/seed"),
    import("../lib/config/keyring"),
  ]);
  const db = createDb(target);
  try {
    if (await seedDemoData(db, getKeyring())) {
      log("seeded demo data (set KEYWARD_DEMO=0 to start empty). Sign in with password " + `"${DEMO_PASSWORD}" as:`);
      for (const user of DEMO_USERS) log(`  ${user.email.padEnd(20)} ${user.role.toLowerCase()} of ${user.org}`);
    }
  } finally {
    await db.$disconnect();
  }
}

const KNOWN_ERRORS = [AdvisoryLockError, ConfigError, DatabaseUrlError, MigrationError, PortInUseError, BuildError];

main().catch((error: unknown) => {
  if (KNOWN_ERRORS.some((type) => error instanceof type)) {
    console.error(`keyward: ${(error as Error).message}`);
  } else {
    console.error("keyward: failed to start:", error);
  }
  process.exit(1);
});
