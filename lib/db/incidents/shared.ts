import type { AuditActor } from "../audit";
import { inPermittedTransaction } from "../org-lock";
import type { TokenActor, Tx } from "../token-mutations";

// What the incident modules share: the acting admin, the in-transaction admin re-check, their error and audit actor.

export type UserActor = Extract<TokenActor, { kind: "user" }>;

/**
 * Every write here is made for someone who may manage incidents: in a transaction that first
 * re-checks, under the org's membership lock, that they still may, so an admin removed or demoted
 * while a request (or a bulk run) is under way cannot finish it (RoleChangedError).
 */
export function asAdmin<T>(
  actor: UserActor,
  orgId: string,
  write: (tx: Tx) => Promise<T>,
  options?: { maxWait?: number; timeout?: number },
): Promise<T> {
  return inPermittedTransaction(actor, orgId, "incidents:manage", write, options);
}

export type IncidentErrorCode = "EMPTY" | "SELECTION_CHANGED" | "NOT_FOUND" | "BUSY";

/** A bulk operation that cannot start (or resume) as asked; the message is for the admin. */
export class IncidentError extends Error {
  override name = "IncidentError";
  constructor(
    readonly code: IncidentErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function auditActorOf(actor: TokenActor): AuditActor {
  if (actor.kind === "user") return { type: "user", userId: actor.userId, label: actor.label };
  if (actor.kind === "token") return { type: "token", tokenId: actor.tokenId, label: actor.label };
  return { type: "system", label: actor.label };
}
