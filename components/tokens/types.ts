import type { TokenDisplayStatus, TokenVisibility } from "@/lib/db/token-dto";
import type { QuotaWindow, Scope } from "@/lib/tokens";

/** What the token dialogs need to know about a token: its settings, never its value. */
export type ManagedToken = {
  id: string;
  name: string;
  maskedValue: string;
  scopes: Scope[];
  /** Scopes of the org's services, "<slug>/<scope>". */
  serviceScopes: string[];
  visibility: TokenVisibility;
  status: TokenDisplayStatus;
  quotaMax: number;
  quotaWindow: QuotaWindow;
  expiresAt: Date | null;
  /** CIDR ranges; empty: any address. */
  allowedNetworks: string[];
  version: number;
};

export type TokenDialogKind = "edit" | "rotate" | "disable" | "enable" | "revoke" | "reveal";
