import { isIP } from "node:net";

// TRUST_PROXY is the number of reverse proxies in front of Keyward (like Express's numeric
// `trust proxy`). Each proxy appends the address it saw to X-Forwarded-For, so only the last
// `hops` entries were written by someone we trust; everything to their left is the client's own
// invention.

export const MAX_TRUSTED_PROXY_HOPS = 10;

/** TRUST_PROXY's value as a hop count; null for anything else. "true"/"yes" mean 1 (the old flag). */
export function parseTrustedProxyHops(raw: string | undefined): number | null {
  const value = (raw ?? "").trim().toLowerCase();
  if (value === "" || value === "false" || value === "no") return 0;
  if (value === "true" || value === "yes") return 1;
  if (!/^\d{1,2}$/.test(value)) return null;
  const hops = Number(value);
  return hops <= MAX_TRUSTED_PROXY_HOPS ? hops : null;
}

/** For code inside Next.js, which sees the environment `npm start` already validated. */
export function trustedProxyHopsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return parseTrustedProxyHops(env.TRUST_PROXY) ?? 0;
}

/**
 * The entry of a proxy-appended list (X-Forwarded-For, -Proto) that the outermost trusted proxy
 * wrote: the `hops`-th from the right. A list shorter than `hops` came through fewer proxies
 * than configured, so it holds no client-written entry: its leftmost is the best we know.
 * Several header lines count as one list, in order (Node joins them with ", ").
 */
export function trustedListEntry(header: string | string[] | undefined, hops: number): string | undefined {
  if (hops < 1 || header === undefined) return undefined;
  const entries = (Array.isArray(header) ? header.join(",") : header).split(",").map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === "") return undefined;
  return entries[Math.max(0, entries.length - hops)];
}

/** "https" or "http" as the outermost trusted proxy received the request; undefined without one. */
export function forwardedProtoOf(header: string | string[] | null | undefined, hops: number): "https" | "http" | undefined {
  const proto = trustedListEntry(header ?? undefined, hops)?.toLowerCase();
  return proto === "https" || proto === "http" ? proto : undefined;
}

/**
 * An address as a proxy or socket reports it, in one spelling: IPv4-mapped IPv6 (::ffff:a.b.c.d)
 * as IPv4, without brackets or a port; null when it is not an IP address at all.
 */
export function normalizeIpAddress(raw: string): string | null {
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(":"));
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!;
  const version = isIP(address);
  if (version === 0) return null;
  return version === 6 ? address.toLowerCase() : address;
}
