import { headers } from "next/headers";

import { CLIENT_IP_HEADER } from "../server/client-ip";

// The HTTP server sets this header (lib/server/client-ip.ts: the socket address, or the
// X-Forwarded-For entry TRUST_PROXY's proxies wrote), replacing any value a client sent.
export function clientIpFrom(h: Headers): string {
  return h.get(CLIENT_IP_HEADER) ?? "unknown";
}

export async function getRequestContext(): Promise<{ ip: string; userAgent: string | null }> {
  const h = await headers();
  return { ip: clientIpFrom(h), userAgent: h.get("user-agent")?.slice(0, 512) ?? null };
}
