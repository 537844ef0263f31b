"use client";

import { useRouter } from "next/navigation";

import { DropdownMenu, type MenuItem } from "@/components/ui/dropdown-menu";

import type { ManagedToken, TokenDialogKind } from "./types";

/** The actions this viewer may take on a token; members only ever get reveal and details. */
export function TokenRowMenu({
  orgSlug,
  token,
  canManage,
  onOpen,
  showDetailsLink = true,
}: {
  orgSlug: string;
  token: ManagedToken;
  canManage: boolean;
  onOpen: (kind: TokenDialogKind, token: ManagedToken) => void;
  showDetailsLink?: boolean;
}) {
  const router = useRouter();
  const revoked = token.status === "REVOKED";
  const items: MenuItem[] = [];
  if (!revoked) items.push({ label: "Reveal value", onSelect: () => onOpen("reveal", token) });
  if (canManage && !revoked) {
    items.push(
      { label: "Edit", onSelect: () => onOpen("edit", token) },
      { label: "Rotate", onSelect: () => onOpen("rotate", token) },
      token.status === "DISABLED"
        ? { label: "Enable", onSelect: () => onOpen("enable", token) }
        : { label: "Disable", onSelect: () => onOpen("disable", token) },
    );
  }
  if (showDetailsLink) items.push({ label: "View details", onSelect: () => router.push(`/${orgSlug}/tokens/${token.id}`) });
  if (canManage) items.push({ label: "View audit log", onSelect: () => router.push(`/${orgSlug}/audit?token=${token.id}`) });
  if (canManage && !revoked) items.push({ label: "Revoke", onSelect: () => onOpen("revoke", token), danger: true });
  return <DropdownMenu label={`Actions for ${token.name}`} items={items} />;
}
