// The REST API handler as production wires it (lib/server/http-server.ts: the store, the usage
// recorder and its writer thread, Prometheus metrics), for profiling the request path
// (`bench/api-hot-path.ts`). Without Next.js by default; with WITH_NEXT=1, the whole production
// server (startHttpServer) on an existing build (KEYWARD_DIST_DIR), without rebuilding.
// Prints "listening <port>"; SIGTERM flushes usage and exits (so --cpu-prof writes its profile).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";

import { createApiStore } from "../lib/api/create-store";
import { createApiHandler } from "../lib/api/handler";
import { resolveDatabaseTarget } from "../lib/db/database-url";
import { KeywardMetrics } from "../lib/server/metrics";

async function main() {
  const port = Number(process.env.PORT ?? 0);
  let stop: () => Promise<unknown>;
  let server: Server;
  if (process.env.WITH_NEXT === "1") {
    const { startHttpServer, shutdownHttpServer } = await import("../lib/server/http-server");
    server = await startHttpServer({ port, host: "127.0.0.1", dev: false, dir: resolve(import.meta.dirname, ".."), trustedProxyHops: 0 });
    stop = () => shutdownHttpServer(server);
  } else {
    const store = createApiStore(resolveDatabaseTarget(process.env.DATABASE_URL));
    let usage: { readonly pending: number } | null = null;
    const metrics = new KeywardMetrics({ usageQueueDepth: () => usage?.pending ?? 0 });
    const handler = createApiHandler({ store, trustedProxyHops: 0, metrics });
    usage = handler.recorder;
    server = createServer(handler);
    await new Promise<void>((done) => server.listen(port, "127.0.0.1", done));
    stop = async () => {
      server.close();
      server.closeAllConnections();
      await handler.flush();
      await store.close();
    };
  }
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
  process.once("SIGTERM", () => void stop().finally(() => process.exit(0)));
}

void main();
