// Incident response: bulk operations over many tokens, "which token is this?" lookups, leak-report
// flags and org settings. Token changes go through lib/db/token-mutations.ts (the one
// implementation); these modules decide which tokens, record progress, and make each token's
// change, its IncidentItem mark and its audit event (with the incident id) one transaction.
// No "server-only": a bulk run can also be driven from a plain Node process (tests, scripts).
//
// One module per job: filters.ts (choosing tokens, creating a bulk operation), run.ts (the runner
// with leases and resume), lookup.ts ("which token is this?"), settings.ts (org settings and
// leak-report flags); shared.ts holds the admin re-check they all write through.

export { IncidentError, type IncidentErrorCode, type UserActor } from "./shared";
export * from "./filters";
export * from "./run";
export * from "./lookup";
export * from "./settings";
