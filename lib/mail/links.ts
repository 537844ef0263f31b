import { publicOrigin } from "../server/public-origin";

/** Links that leave the browser (emailed invitations) point at the origin people reach Keyward at. */
export async function invitationLink(secret: string): Promise<string> {
  return `${await publicOrigin()}/invite/${secret}`;
}
