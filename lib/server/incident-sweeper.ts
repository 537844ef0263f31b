// Bulk operations survive restarts: every server process looks for incidents whose runner died
// (their lease lapsed) and finishes them. On PostgreSQL one process sweeps at a time (an advisory
// lock); whichever sweeps, each incident's lease decides the one process that runs it.
import { withAdvisoryLock } from "../db/advisory-lock";
import { resolveDatabaseTarget } from "../db/database-url";
import { resumeStalledIncidents } from "../db/incidents";

const SWEEP_LOCK = "incident-sweeper";

const SWEEP_INTERVAL_MS = 30_000;

/** Sweeps now and then every 30 s (never two at once: not in this process, nor on PostgreSQL in any other); returns a function that stops it. */
export function startIncidentSweeper(log: (line: string) => void, intervalMs = SWEEP_INTERVAL_MS): () => void {
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      const swept = await withAdvisoryLock(resolveDatabaseTarget(process.env.DATABASE_URL), SWEEP_LOCK, { wait: false }, () =>
        resumeStalledIncidents(),
      );
      // Another server is sweeping right now: it finishes what there is to finish.
      if (!swept.acquired) return;
      for (const { incidentId, result } of swept.value) {
        if (result.outcome === "completed") log(`resumed and finished bulk operation ${incidentId}, stopped by a restart`);
        if (result.outcome === "failed") log(`could not resume bulk operation ${incidentId}: ${String(result.error)}`);
      }
    } catch (error) {
      log(`looking for stopped bulk operations failed: ${String(error)}`);
    } finally {
      sweeping = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  void sweep();
  return () => clearInterval(timer);
}
