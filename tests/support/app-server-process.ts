// A second production Keyward process for the end-to-end security tests: dashboard and API on the
// build and database of the e2e server (no build, no migration), on PORT, with TRUST_PROXY as
// given. Prints "listening <port>" when ready.
import { join } from "node:path";

import { shutdownHttpServer, startHttpServer } from "../../lib/server/http-server";
import { trustedProxyHopsFromEnv } from "../../lib/server/trusted-proxy";

async function main() {
  const port = Number(process.env.PORT);
  const server = await startHttpServer({
    port,
    host: "127.0.0.1",
    dev: false,
    dir: join(import.meta.dirname, "../.."),
    trustedProxyHops: trustedProxyHopsFromEnv(),
    metricsToken: process.env.KEYWARD_METRICS_TOKEN,
  });
  process.stdout.write(`listening ${port}\n`);
  // The same graceful stop as `npm start` (scripts/start.ts).
  process.once("SIGTERM", () => void shutdownHttpServer(server).finally(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
