import type { ChargeRequest } from "./store";

// Which charges may go through one guarded charge statement, the part both stores share (the
// SQLite store's per-batch groups, PostgreSQL's ChargeBatcher lanes). The statement checks one
// token at one version, opens at most one new window (one end), and checks one service at one
// version; so charges that differ in any of these never share it. Each store adds its own parts.

/** One string per charge, nothing else allocated: the SQLite store calls it for every charge in a batch. */
export function chargeStatementKey(request: ChargeRequest): string {
  const service = request.service;
  return `${request.tokenId}\u0000${request.version}\u0000${request.nextResetAt}\u0000${service ? `${service.id}@${service.version}` : ""}`;
}
