import { NetworkList, parseAddress } from "../tokens/networks";

// Where a webhook may point. A webhook makes Keyward's server send requests, so a member or token
// able to create one could aim it at the server's own network (127.0.0.1, the cloud metadata
// endpoint 169.254.169.254, the database). Refused by default: private, loopback, link-local and
// other non-public addresses, both as written in the URL (checked when it is saved) and as the
// host name resolves (checked on every delivery, at connect time, so DNS rebinding cannot slip
// past). KEYWARD_WEBHOOK_ALLOW_PRIVATE=1 allows them, for self-hosting on a private network and tests.

export const MAX_WEBHOOK_URL_LENGTH = 2048;

const NON_PUBLIC = new NetworkList([
  "0.0.0.0/8", // "this network"; 0.0.0.0 reaches the local host
  "10.0.0.0/8",
  "100.64.0.0/10", // carrier-grade NAT
  "127.0.0.0/8",
  "169.254.0.0/16", // link-local, cloud metadata
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, broadcast
  "::/128",
  "::1/128",
  "::ffff:0:0/96", // IPv4-mapped written in hex
  "64:ff9b::/96", // NAT64: reaches IPv4 addresses, private ones included
  "100::/64",
  "2001:db8::/32",
  "fc00::/7", // unique local
  "fe80::/10", // link-local
  "ff00::/8", // multicast
]);

const LOCAL_NAME = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/i;

export function allowPrivateFromEnv(env: Record<string, string | undefined>): boolean {
  return env.KEYWARD_WEBHOOK_ALLOW_PRIVATE === "1" || env.KEYWARD_WEBHOOK_ALLOW_PRIVATE === "true";
}

/** Whether an IP address (v4 or v6, IPv4-mapped counted as v4) is one a webhook may not reach. */
export function isNonPublicAddress(ip: string): boolean {
  if (!parseAddress(ip)) return true;
  return NON_PUBLIC.allows(ip);
}

export type WebhookUrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/** The rule at save time: an absolute http(s) URL without credentials, not naming a non-public host. */
export function checkWebhookUrl(input: string, options: { allowPrivate: boolean }): WebhookUrlCheck {
  if (input.length > MAX_WEBHOOK_URL_LENGTH) return { ok: false, reason: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, reason: "must be an absolute URL such as https://example.com/hooks/keyward" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "must use http or https" };
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "must not contain a user name or password" };
  if (url.hostname === "") return { ok: false, reason: "must name a host" };
  if (!options.allowPrivate) {
    // URL normalizes 2130706433, 0x7f.1 and friends to dotted form, and brackets IPv6.
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    if (parseAddress(host) ? isNonPublicAddress(host) : LOCAL_NAME.test(host.replace(/\.$/, ""))) {
      return { ok: false, reason: "must not point at a private, loopback or link-local address" };
    }
  }
  return { ok: true, url: url.toString() };
}
