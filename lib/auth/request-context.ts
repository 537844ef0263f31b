import { headers } from "next/headers";
import { CLIENT_IP_HEADER } from "../server/client-ip";

// The HTTP server sets this header from the socket address (or X-Forwarded-For with
// TRUST_PROXY), replacing any value a client sent under the same name.
export function clientIpFrom(h: Headers): string {
  return h.get(CLIENT_IP_HEADER) ?? "unknown";
}

export async function getRequestContext(): Promise<{ ip: string; userAgent: string | null }> {
  const h = await headers();
  return { ip: clientIpFrom(h), userAgent: h.get("user-agent")?.slice(0, 512) ?? null };
}
