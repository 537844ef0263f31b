export const DEFAULT_CALLBACK_PATH = "/";

/**
 * Where to send someone after sign-in, from a callbackUrl anyone can put in a link: a path on this
 * site, or the default. Decided the way a browser reads it (the URL parser turns "/\evil",
 * "/<tab>/evil" and "//evil" into another host), never by looking at the first characters.
 * The answer is the normalized path, with its leading slashes collapsed so that "/.//evil"
 * cannot come out as the protocol-relative "//evil".
 */
export function safeCallbackPath(value: unknown, origin: string): string {
  if (typeof value !== "string" || value.trim() === "") return DEFAULT_CALLBACK_PATH;
  try {
    const site = new URL(origin).origin;
    const target = new URL(value, site);
    if (target.origin !== site) return DEFAULT_CALLBACK_PATH;
    return `${target.pathname.replace(/^\/+/, "/")}${target.search}${target.hash}`;
  } catch {
    return DEFAULT_CALLBACK_PATH;
  }
}
