import type { IncomingMessage } from "node:http";

export const CLIENT_IP_HEADER = "x-keyward-client-ip";

/** The caller's address: the socket's, or the first X-Forwarded-For hop when behind a trusted proxy. */
export function clientIpOf(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers["x-forwarded-for"];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim();
    if (first) return first.slice(0, 64);
  }
  const address = req.socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/** Overwrites whatever a client sent under our header, so pages and actions can trust it. */
export function stampClientIp(req: IncomingMessage, trustProxy: boolean): string {
  const ip = clientIpOf(req, trustProxy);
  req.headers[CLIENT_IP_HEADER] = ip;
  return ip;
}
