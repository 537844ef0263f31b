// A REST API server process for the multi-process tests: the API handler on a random loopback
// port, against DATABASE_URL. Prints "listening <port>"; on SIGTERM flushes usage and exits.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import { createApiStore } from "../../lib/api/create-store";
import { createApiHandler } from "../../lib/api/handler";
import { resolveDatabaseTarget } from "../../lib/db/database-url";

const store = createApiStore(resolveDatabaseTarget(process.env.DATABASE_URL));
const handler = createApiHandler({ store, trustedProxyHops: 0 });
const server = createServer(handler);

// The webhook tests run the delivery worker here too (polling every WEBHOOK_WORKER_MS).
let stopWebhookWorker = () => {};
if (process.env.WEBHOOK_WORKER_MS) {
  void Promise.all([import("../../lib/server/webhook-worker"), import("../../lib/db/client")]).then(([{ startWebhookWorker }, { db }]) => {
    stopWebhookWorker = startWebhookWorker(db, (line) => process.stderr.write(`webhooks: ${line}\n`), {
      intervalMs: Number(process.env.WEBHOOK_WORKER_MS),
      leaseMs: process.env.WEBHOOK_LEASE_MS ? Number(process.env.WEBHOOK_LEASE_MS) : undefined,
    });
  });
}

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});

process.once("SIGTERM", () => {
  stopWebhookWorker();
  server.close();
  server.closeAllConnections();
  void handler
    .flush()
    .then(() => store.close())
    .finally(() => process.exit(0));
});
