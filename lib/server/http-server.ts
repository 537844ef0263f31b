import { createServer, type Server } from "node:http";
import next from "next";
import { stampClientIp } from "./client-ip";

export type HttpServerOptions = { port: number; host: string; dev: boolean; dir: string; trustProxy: boolean };

/** One origin for the dashboard and the API: a plain Node server in front of Next.js. */
export async function startHttpServer(options: HttpServerOptions): Promise<Server> {
  const app = next({ dev: options.dev, dir: options.dir, hostname: options.host, port: options.port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = createServer((req, res) => {
    stampClientIp(req, options.trustProxy);
    void handle(req, res);
  });
  await listen(server, options.port, options.host);
  return server;
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
