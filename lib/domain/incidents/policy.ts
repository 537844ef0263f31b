// When a bulk operation has nobody working on it: the rule the dashboard shows ("stalled,
// resume"), the manual resume checks and the background sweeper selects by, in memory and as a
// Prisma `where` written together (tests/integration/incident-stalled-rule.test.ts checks that
// both choose the same incidents).

/** How long a runner's claim lasts without renewal; also how long a new, unclaimed run is left to the server that created it. */
export const LEASE_MS = 15_000;

type IncidentLease = { status: string; leaseUntil: Date | null; createdAt: Date };

/**
 * Running, and its runner's lease lapsed — or it was never claimed and is older than one lease
 * (the server that created it claims it at once; before that, it is not stalled but starting).
 */
export function isStalled(incident: IncidentLease, now: Date): boolean {
  if (incident.status !== "RUNNING") return false;
  return incident.leaseUntil === null
    ? incident.createdAt.getTime() < now.getTime() - LEASE_MS
    : incident.leaseUntil.getTime() < now.getTime();
}

/** The same rule as a Prisma `where` on Incident. */
export function stalledWhere(now: Date) {
  return {
    status: "RUNNING" as const,
    OR: [{ leaseUntil: null, createdAt: { lt: new Date(now.getTime() - LEASE_MS) } }, { leaseUntil: { lt: now } }],
  };
}
