"use client";

import Link from "next/link";

import { dataTableColumns, type DataTableColumn } from "@/components/data-table/data-table";
import { RelativeTime } from "@/components/format/relative-time";
import { Badge } from "@/components/ui/badge";
import type { TokenListItem } from "@/lib/db/queries/tokens";

import { FORMER_ADMIN_LABEL, FORMER_ADMIN_SUMMARY, STATUS_BADGES, VISIBILITY_LABELS } from "./labels";
import { QuotaBar } from "./quota-bar";
import { CopyValueButton } from "./reveal";
import { ScopeBadges } from "./scope-badges";
import { TokenRowMenu } from "./token-row-menu";
import type { ManagedToken, TokenDialogKind } from "./types";

const column = dataTableColumns<TokenListItem>();

/** Column ids double as the server's sort keys (see tokenListParamsSchema). */
export function tokenColumns({
  orgSlug,
  canManage,
  onOpen,
}: {
  orgSlug: string;
  canManage: boolean;
  onOpen: (kind: TokenDialogKind, token: ManagedToken) => void;
}): DataTableColumn<TokenListItem>[] {
  return [
    column.accessor("name", {
      id: "name",
      header: "Name",
      cell: ({ row }) => (
        // Long names are cut to the column's width; the whole name shows on hover.
        <div className="w-36 sm:w-56">
          <Link
            href={`/${orgSlug}/tokens/${row.original.id}`}
            title={row.original.name}
            className="block truncate font-medium text-slate-900 hover:text-indigo-700 hover:underline"
          >
            {row.original.name}
          </Link>
          {row.original.expiresAt && row.original.status !== "REVOKED" && (
            <div className="text-xs text-slate-600">
              {row.original.status === "EXPIRED" ? "Expired " : "Expires "}
              <RelativeTime date={row.original.expiresAt} />
            </div>
          )}
        </div>
      ),
    }),
    column.accessor("maskedValue", {
      id: "value",
      header: "Token",
      enableSorting: false,
      cell: ({ row }) => (
        <div className="flex items-center gap-1 whitespace-nowrap">
          <code className="font-mono text-xs text-slate-700">{row.original.maskedValue}</code>
          {row.original.status !== "REVOKED" && (
            <CopyValueButton orgSlug={orgSlug} tokenId={row.original.id} tokenName={row.original.name} />
          )}
        </div>
      ),
    }),
    column.accessor("scopes", {
      id: "scopes",
      header: "Scopes",
      enableSorting: false,
      cell: ({ row }) => <ScopeBadges scopes={row.original.scopes} serviceScopes={row.original.serviceScopes} />,
    }),
    column.accessor("visibility", {
      id: "visibility",
      header: "Visibility",
      enableSorting: false,
      cell: ({ row }) => (
        <Badge tone={row.original.visibility === "ORGANIZATION" ? "sky" : "gray"}>
          {row.original.visibility === "ORGANIZATION" ? "Members" : VISIBILITY_LABELS.ADMIN_ONLY}
        </Badge>
      ),
    }),
    column.accessor("status", {
      id: "status",
      header: "Status",
      cell: ({ row }) => <Badge tone={STATUS_BADGES[row.original.status].tone}>{STATUS_BADGES[row.original.status].label}</Badge>,
    }),
    column.accessor((token) => token.quota.remaining, {
      id: "quota",
      header: "Quota left",
      sortDescFirst: false,
      cell: ({ row }) => <QuotaBar {...row.original.quota} />,
    }),
    column.accessor("lastUsedAt", {
      id: "lastUsed",
      header: "Last used",
      sortDescFirst: true,
      meta: { className: "whitespace-nowrap" },
      cell: ({ row }) => <RelativeTime date={row.original.lastUsedAt} />,
    }),
    column.accessor("createdAt", {
      id: "created",
      header: "Created",
      sortDescFirst: true,
      cell: ({ row }) => (
        <div className="whitespace-nowrap text-xs">
          <RelativeTime date={row.original.createdAt} />
          {row.original.createdBy && <div className="text-slate-500">by {row.original.createdBy}</div>}
          {row.original.createdByFormerAdmin && (
            <Badge tone="amber" title={FORMER_ADMIN_SUMMARY} className="mt-0.5">
              {FORMER_ADMIN_LABEL}
            </Badge>
          )}
        </div>
      ),
    }),
    column.display({
      id: "actions",
      header: () => <span className="sr-only">Actions</span>,
      meta: { className: "text-right" },
      cell: ({ row }) => <TokenRowMenu orgSlug={orgSlug} token={row.original} canManage={canManage} onOpen={onOpen} />,
    }),
  ];
}
