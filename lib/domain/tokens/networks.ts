// A token's allowed networks: CIDR ranges (IPv4 and IPv6) a call must come from. An empty list
// allows any address. Stored space-separated in canonical form (network address, prefix).

export const MAX_ALLOWED_NETWORKS = 100;

export type Network = { family: 4 | 6; base: bigint; prefix: number };

const BITS = { 4: 32, 6: 128 } as const;

// Node's own isIP patterns (lib/internal/net.js), written out so that this module, which the
// token form's schema imports, also bundles for the browser: node:net does not.
const V4_SEG = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const V4 = `(?:${V4_SEG}\\.){3}${V4_SEG}`;
const V6_SEG = "(?:[0-9a-fA-F]{1,4})";
const IPV4 = new RegExp(`^${V4}$`);
const IPV6 = new RegExp(
  "^(?:" +
    `(?:${V6_SEG}:){7}(?:${V6_SEG}|:)|` +
    `(?:${V6_SEG}:){6}(?:${V4}|:${V6_SEG}|:)|` +
    `(?:${V6_SEG}:){5}(?::${V4}|(?::${V6_SEG}){1,2}|:)|` +
    `(?:${V6_SEG}:){4}(?:(?::${V6_SEG}){0,1}:${V4}|(?::${V6_SEG}){1,3}|:)|` +
    `(?:${V6_SEG}:){3}(?:(?::${V6_SEG}){0,2}:${V4}|(?::${V6_SEG}){1,4}|:)|` +
    `(?:${V6_SEG}:){2}(?:(?::${V6_SEG}){0,3}:${V4}|(?::${V6_SEG}){1,5}|:)|` +
    `(?:${V6_SEG}:){1}(?:(?::${V6_SEG}){0,4}:${V4}|(?::${V6_SEG}){1,6}|:)|` +
    `(?::(?:(?::${V6_SEG}){0,5}:${V4}|(?::${V6_SEG}){1,7}|:))` +
    ")(?:%[0-9a-zA-Z-.:]{1,})?$",
);

/** 4, 6, or 0 when not an IP address: the same answers as node:net's isIP. */
export function isIP(text: string): 0 | 4 | 6 {
  return IPV4.test(text) ? 4 : IPV6.test(text) ? 6 : 0;
}

/** The address as a number, or null when it is not an IP address. IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as IPv4. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | null {
  const address = text.startsWith("::ffff:") && isIP(text.slice(7)) === 4 ? text.slice(7) : text;
  const family = isIP(address);
  if (family === 4) {
    let value = 0n;
    for (const part of address.split(".")) value = (value << 8n) | BigInt(Number(part));
    return { family: 4, value };
  }
  if (family === 6) return { family: 6, value: ipv6Value(address) };
  return null;
}

function ipv6Value(address: string): bigint {
  // An embedded IPv4 tail (::1.2.3.4) becomes two hex groups.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const text = tail
    ? address.slice(0, tail.index) + [((+tail[1] << 8) | +tail[2]).toString(16), ((+tail[3] << 8) | +tail[4]).toString(16)].join(":")
    : address;
  const [head, rest] = text.split("::");
  const headGroups = head ? head.split(":") : [];
  const restGroups = rest === undefined ? [] : rest ? rest.split(":") : [];
  const groups =
    rest === undefined ? headGroups : [...headGroups, ...Array(8 - headGroups.length - restGroups.length).fill("0"), ...restGroups];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(parseInt(group, 16));
  return value;
}

function mask(family: 4 | 6, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
}

/** "10.0.0.0/8", "2001:db8::/32", or a single address (a /32 or /128); null when malformed. */
export function parseNetwork(text: string): Network | null {
  const [addressText, prefixText, ...extra] = text.trim().split("/");
  if (extra.length > 0 || addressText === undefined) return null;
  const address = parseAddress(addressText);
  if (!address) return null;
  const maxPrefix = BITS[address.family];
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
  if (prefix > maxPrefix) return null;
  return { family: address.family, base: address.value & mask(address.family, prefix), prefix };
}

export function formatNetwork(network: Network): string {
  if (network.family === 4) {
    const octets = [24n, 16n, 8n, 0n].map((shift) => String((network.base >> shift) & 255n));
    return `${octets.join(".")}/${network.prefix}`;
  }
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((network.base >> shift) & 0xffffn).toString(16));
  // The longest run of zero groups (two or more) becomes "::".
  let best = { start: -1, length: 0 };
  for (let start = 0; start < 8;) {
    let end = start;
    while (end < 8 && groups[end] === "0") end++;
    if (end - start > best.length && end - start > 1) best = { start, length: end - start };
    start = end === start ? start + 1 : end;
  }
  const text =
    best.start === -1 ? groups.join(":") : `${groups.slice(0, best.start).join(":")}::${groups.slice(best.start + best.length).join(":")}`;
  return `${text}/${network.prefix}`;
}

export type NetworkListResult = { ok: true; networks: string[] } | { ok: false; invalid: string[] } | { ok: false; tooMany: number };

/** Accepts ranges separated by spaces, commas or newlines; canonical, deduplicated, in the order given. */
export function parseNetworkList(input: string | readonly string[]): NetworkListResult {
  const parts = (typeof input === "string" ? input.split(/[\s,]+/) : input.map((part) => String(part).trim())).filter(
    (part) => part !== "",
  );
  const invalid = parts.filter((part) => parseNetwork(part) === null);
  if (invalid.length > 0) return { ok: false, invalid };
  const networks = [...new Set(parts.map((part) => formatNetwork(parseNetwork(part)!)))];
  if (networks.length > MAX_ALLOWED_NETWORKS) return { ok: false, tooMany: networks.length };
  return { ok: true, networks };
}

export function serializeNetworks(networks: readonly string[]): string {
  return networks.join(" ");
}

export function deserializeNetworks(stored: string): string[] {
  return stored.split(" ").filter(Boolean);
}

function contains(outer: Network, inner: { family: 4 | 6; base: bigint; prefix: number }): boolean {
  return outer.family === inner.family && outer.prefix <= inner.prefix && (inner.base & mask(outer.family, outer.prefix)) === outer.base;
}

/** Parsed once per token (the API caches it); `allows(ip)` is the per-request check. */
export class NetworkList {
  readonly #networks: Network[];
  constructor(networks: readonly string[]) {
    this.#networks = networks.map((text) => parseNetwork(text)).filter((network): network is Network => network !== null);
  }

  static fromStored(stored: string): NetworkList | null {
    return stored === "" ? null : new NetworkList(deserializeNetworks(stored));
  }

  allows(ip: string): boolean {
    const address = parseAddress(ip);
    if (!address) return false;
    const single = { family: address.family, base: address.value, prefix: BITS[address.family] };
    return this.#networks.some((network) => contains(network, single));
  }
}

/**
 * Whether `inner` allows no address that `outer` does not: every range of inner lies inside a
 * range of outer. An empty list means "anywhere", so it lies only inside another empty list.
 */
export function networksWithin(inner: readonly string[], outer: readonly string[]): boolean {
  if (outer.length === 0) return true;
  if (inner.length === 0) return false;
  const outerNetworks = outer.map(parseNetwork).filter((network): network is Network => network !== null);
  return inner.every((text) => {
    const network = parseNetwork(text);
    return network !== null && outerNetworks.some((candidate) => contains(candidate, network));
  });
}
