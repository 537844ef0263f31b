import { createServer, type Server } from "node:http";
import next from "next";
import { resolveDatabaseTarget } from "../db/database-url";
import { actionBodyKind, checkedActionRequest } from "./action-body-guard";
import { stampClientIp } from "./client-ip";
import { dropUntrustedForwarding, isCrossSiteWrite, refuseCrossSiteWrite } from "./request-guard";

export type HttpServerOptions = { port: number; host: string; dev: boolean; dir: string; trustedProxyHops: number };

let apiHandler: { flush(): Promise<void> } | null = null;

/** One origin for the dashboard and the API: a plain Node server in front of Next.js. */
export async function startHttpServer(options: HttpServerOptions): Promise<Server> {
  const app = next({ dev: options.dev, dir: options.dir, hostname: options.host, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  // The REST API takes /v0/ before Next sees it (lib/api: one database write per call). Imported
  // here, not at the top, so its database connections open after start.ts has set DATABASE_URL.
  const [{ createApiHandler }, { createApiStore }] = await Promise.all([import("../api/handler"), import("../api/create-store")]);
  const api = createApiHandler({ store: createApiStore(resolveDatabaseTarget(process.env.DATABASE_URL)), trustedProxyHops: options.trustedProxyHops });
  apiHandler = api;
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/v0/")) return api(req, res);
    stampClientIp(req, options.trustedProxyHops);
    dropUntrustedForwarding(req, options.trustedProxyHops);
    if (isCrossSiteWrite(req, options.trustedProxyHops)) return refuseCrossSiteWrite(res);
    // Server action bodies are read and checked before React decodes them; nothing else is buffered.
    const actionBody = actionBodyKind(req);
    if (actionBody) return void checkedActionRequest(req, res, actionBody).then((checked) => checked && handle(checked, res));
    void handle(req, res);
  });
  await listen(server, options.port, options.host);
  return server;
}

/** Writes the API's buffered usage rows (after requests in progress finish); awaited on shutdown. */
export async function flushApiUsage(): Promise<void> {
  await apiHandler?.flush();
}

export class PortInUseError extends Error {}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") reject(new PortInUseError(`port ${port} is already in use (set PORT to another port)`));
      else if (error.code === "EACCES") reject(new PortInUseError(`no permission to listen on port ${port} (set PORT to a port above 1023)`));
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
