import "server-only";

import { headers } from "next/headers";

import { forwardedProtoOf, trustedProxyHopsFromEnv } from "./trusted-proxy";

/**
 * The origin people reach Keyward at: KEYWARD_PUBLIC_URL when set; otherwise the origin of the
 * current request (https only when a trusted proxy says the browser used it).
 */
export async function publicOrigin(): Promise<string> {
  const configured = process.env.KEYWARD_PUBLIC_URL?.trim();
  if (configured) return configured.replace(/\/+$/, "");
  const h = await headers();
  const host = h.get("host");
  if (!host) return `http://localhost:${process.env.PORT ?? 3000}`;
  return `${forwardedProtoOf(h.get("x-forwarded-proto"), trustedProxyHopsFromEnv()) ?? "http"}://${host}`;
}
