import { headers } from "next/headers";

/**
 * The origin people reach Keyward at, for links that leave the browser (emailed invitations).
 * KEYWARD_PUBLIC_URL when set; otherwise the origin of the admin's own request.
 */
export async function publicOrigin(): Promise<string> {
  const configured = process.env.KEYWARD_PUBLIC_URL?.trim();
  if (configured) return configured.replace(/\/+$/, "");
  const h = await headers();
  const host = h.get("host");
  if (!host) return `http://localhost:${process.env.PORT ?? 3000}`;
  const forwardedProto = process.env.TRUST_PROXY === "1" ? h.get("x-forwarded-proto")?.split(",")[0]?.trim() : undefined;
  return `${forwardedProto === "https" ? "https" : "http"}://${host}`;
}

export async function invitationLink(secret: string): Promise<string> {
  return `${await publicOrigin()}/invite/${secret}`;
}
