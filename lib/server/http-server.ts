import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import next from "next";

import { gatewaySettingsFromEnv } from "../config/env";
import { resolveDatabaseTarget } from "../db/database-url";
import { logger } from "../logger";
import { actionBodyKind, checkedActionRequest } from "./action-body-guard";
import { stampClientIp } from "./client-ip";
import { isPageRequest, replace500WhenDatabaseDown } from "./database-down-page";
import { KeywardMetrics } from "./metrics";
import { createOpsEndpoints } from "./ops-endpoints";
import { checkReadiness, DatabaseProbe } from "./readiness";
import { dropUntrustedForwarding, isCrossSiteWrite, refuseCrossSiteWrite } from "./request-guard";

export type HttpServerOptions = {
  port: number;
  host: string;
  dev: boolean;
  dir: string;
  trustedProxyHops: number;
  /** KEYWARD_METRICS_TOKEN: the bearer secret GET /metrics asks for; unset, /metrics is 404. */
  metricsToken?: string;
};

/** How long a SIGTERM'd server lets requests in progress finish before it closes their connections. */
export const SHUTDOWN_GRACE_MS = 3_000;
/** The process exits by then whatever is still pending (usage is flushed within it). */
export const SHUTDOWN_TIMEOUT_MS = 5_000;

type RunningServer = {
  api: { flush(): Promise<void>; close(): Promise<void> };
  probe: DatabaseProbe;
  inFlight: () => number;
  draining: boolean;
};
const running = new WeakMap<Server, RunningServer>();

/** One origin for the dashboard and the API: a plain Node server in front of Next.js. */
export async function startHttpServer(options: HttpServerOptions): Promise<Server> {
  const app = next({ dev: options.dev, dir: options.dir, hostname: options.host, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const target = resolveDatabaseTarget(process.env.DATABASE_URL);
  // The REST API takes /v0/ (and /v1/verify) before Next sees it (lib/api: one database write per call). Imported
  // here, not at the top, so its database connections open after start.ts has set DATABASE_URL.
  const [{ createApiHandler }, { createApiStore }, { bulkRunProgress }, { migrationNames }] = await Promise.all([
    import("../api/handler"),
    import("../api/create-store"),
    import("../db/incidents"),
    import("../db/migrate"),
  ]);
  const store = createApiStore(target);
  let usage: { readonly pending: number; readonly failing: boolean } | null = null;
  const metrics = new KeywardMetrics({
    usageQueueDepth: () => usage?.pending ?? 0,
    poolStats: store.poolStats ? () => store.poolStats!() : undefined,
    bulkRunProgress,
  });
  const api = createApiHandler({
    store,
    trustedProxyHops: options.trustedProxyHops,
    metrics,
    gateway: gatewaySettingsFromEnv(process.env),
    publicUrl: process.env.KEYWARD_PUBLIC_URL?.trim() || undefined,
  });
  usage = api.recorder;
  const probe = new DatabaseProbe(target);
  const expectedMigrations = migrationNames(target.provider);
  const state: RunningServer = {
    api: {
      flush: () => api.flush(),
      close: () => {
        api.close();
        return store.close();
      },
    },
    probe,
    inFlight: () => pagesInFlight + api.inFlight,
    draining: false,
  };
  const ops = createOpsEndpoints({
    readiness: () => checkReadiness(probe, expectedMigrations, api.recorder),
    metrics,
    metricsToken: options.metricsToken,
    draining: () => state.draining,
  });
  const databaseDown = async () => !(await probe.reachable());

  let pagesInFlight = 0;
  const server = createServer((req, res) => {
    // /gw/<service>/… is the gateway to the organizations' own APIs (lib/gateway), served by the same handler.
    if (req.url?.startsWith("/v0/") || req.url?.startsWith("/v1/") || req.url?.startsWith("/gw/")) return api(req, res);
    if (ops(req, res)) return;
    pagesInFlight++;
    res.once("close", () => pagesInFlight--);
    serveNext(req, res);
  });

  function serveNext(req: IncomingMessage, res: ServerResponse) {
    stampClientIp(req, options.trustedProxyHops);
    dropUntrustedForwarding(req, options.trustedProxyHops);
    if (isCrossSiteWrite(req, options.trustedProxyHops)) return refuseCrossSiteWrite(res);
    if (isPageRequest(req)) replace500WhenDatabaseDown(res, databaseDown);
    // Server action bodies are read and checked before React decodes them; nothing else is buffered.
    const actionBody = actionBodyKind(req);
    if (actionBody) return void checkedActionRequest(req, res, actionBody).then((checked) => checked && handle(checked, res));
    void handle(req, res);
  }

  running.set(server, state);
  await listen(server, options.port, options.host);
  return server;
}

/**
 * Graceful stop, within SHUTDOWN_TIMEOUT_MS: refuses new connections and reports not-ready,
 * lets requests in progress finish (up to SHUTDOWN_GRACE_MS), closes every connection (idle
 * keep-alive ones at once: they are what kept a stopping server alive for 15 s before), then
 * writes the API's buffered usage rows and closes the database connections.
 */
export async function shutdownHttpServer(server: Server): Promise<void> {
  const state = running.get(server);
  if (state) state.draining = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const graceEnds = Date.now() + SHUTDOWN_GRACE_MS;
  // A keep-alive connection becomes idle when its request is answered: close each as it does.
  while ((state?.inFlight() ?? 0) > 0 && Date.now() < graceEnds) {
    server.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  // The API handler waits (bounded) for its own requests in progress, then writes their usage.
  try {
    await state?.api.flush();
  } catch (error) {
    logger.error({ err: error }, "writing API usage at shutdown failed");
  }
  server.closeAllConnections();
  await closed;
  await Promise.allSettled([state?.api.close(), state?.probe.close()]);
}

export class PortInUseError extends Error {}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") reject(new PortInUseError(`port ${port} is already in use (set PORT to another port)`));
      else if (error.code === "EACCES")
        reject(new PortInUseError(`no permission to listen on port ${port} (set PORT to a port above 1023)`));
      else reject(error);
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** Fails fast, before migrations and a build, when the port is taken. */
export async function assertPortFree(port: number, host: string): Promise<void> {
  const probe = createServer();
  await listen(probe, port, host);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
