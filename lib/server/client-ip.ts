import type { IncomingMessage } from "node:http";

import { normalizeIpAddress, trustedListEntry } from "./trusted-proxy";

export const CLIENT_IP_HEADER = "x-keyward-client-ip";

/**
 * The caller's address, the one rate limits and sign-in throttles are keyed by. With no trusted
 * proxy (hops 0) the socket's; behind `hops` proxies the X-Forwarded-For entry the outermost of
 * them wrote (see trustedListEntry), never one the client put there. A trusted entry that is not
 * an IP address (some proxies write "unknown") gives the socket's: the last address we know.
 */
export function clientIpOf(req: IncomingMessage, trustedProxyHops: number): string {
  const socketAddress = req.socket.remoteAddress ?? "unknown";
  const socketIp = normalizeIpAddress(socketAddress) ?? socketAddress;
  const forwarded = trustedListEntry(req.headers["x-forwarded-for"], trustedProxyHops);
  return (forwarded && normalizeIpAddress(forwarded)) || socketIp;
}

/** Overwrites whatever a client sent under our header, so pages and actions can trust it. */
export function stampClientIp(req: IncomingMessage, trustedProxyHops: number): string {
  const ip = clientIpOf(req, trustedProxyHops);
  req.headers[CLIENT_IP_HEADER] = ip;
  return ip;
}
