// One Keyward server for the database-outage test (tests/integration/database-outage.pg.test.ts):
// `npm start`'s migration step, the REST API, /healthz and /readyz, and a page that reads through
// the Prisma client as the dashboard's pages do, behind the same 503 wrapper and database probe the
// production server puts in front of every page (lib/server/http-server.ts). Next.js itself is left
// out (it needs a build): when the read throws, the stand-in answers 500 as Next.js does for a page
// that throws, and the wrapper decides what the browser gets. e2e/operations.spec.ts shows the real
// page doing the same. Prints "listening <port>" when ready; SIGTERM writes the usage left and exits.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { createApiStore } from "../../lib/api/create-store";
import { createApiHandler } from "../../lib/api/handler";
import { STARTUP_LOCK, withAdvisoryLock } from "../../lib/db/advisory-lock";
import { resolveDatabaseTarget } from "../../lib/db/database-url";
import { applyMigrations, migrationNames } from "../../lib/db/migrate";
import { isPageRequest, replace500WhenDatabaseDown } from "../../lib/server/database-down-page";
import { KeywardMetrics } from "../../lib/server/metrics";
import { createOpsEndpoints } from "../../lib/server/ops-endpoints";
import { checkReadiness, DatabaseProbe } from "../../lib/server/readiness";

async function main() {
  const target = resolveDatabaseTarget(process.env.DATABASE_URL);
  await withAdvisoryLock(target, STARTUP_LOCK, { wait: true }, () => applyMigrations(target));

  const store = createApiStore(target);
  const api = createApiHandler({ store, trustedProxyHops: 0 });
  const probe = new DatabaseProbe(target);
  const expectedMigrations = migrationNames(target.provider);
  const ops = createOpsEndpoints({
    readiness: () => checkReadiness(probe, expectedMigrations, api.recorder),
    metrics: new KeywardMetrics(),
    metricsToken: undefined,
  });
  // Imported after DATABASE_URL is final, as scripts/start.ts does.
  const { db } = await import("../../lib/db/client");

  const server = createServer((req, res) => {
    if (req.url?.startsWith("/v0/")) return api(req, res);
    if (ops(req, res)) return;
    if (isPageRequest(req)) replace500WhenDatabaseDown(res, async () => !(await probe.reachable()));
    db.apiToken.count().then(
      (count) => {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
        res.end(`<h1>Tokens</h1><p>${count} tokens</p>`);
      },
      () => {
        res.writeHead(500, { "content-type": "text/html; charset=utf-8" });
        res.end("<h1>Internal Server Error</h1>");
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);

  process.once("SIGTERM", () => {
    server.close();
    server.closeAllConnections();
    void api
      .flush()
      .then(() => Promise.allSettled([store.close(), probe.close(), db.$disconnect()]))
      .finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
