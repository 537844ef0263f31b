// Bulk operations survive restarts: every server process looks for incidents whose runner died
// (their lease lapsed) and finishes them; the lease decides which process does it.
import { resumeStalledIncidents } from "../db/incidents";

const SWEEP_INTERVAL_MS = 30_000;

/** Sweeps now and then every 30 s (never two sweeps at once); returns a function that stops it. */
export function startIncidentSweeper(log: (line: string) => void, intervalMs = SWEEP_INTERVAL_MS): () => void {
  let sweeping = false;
  const sweep = async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const { incidentId, result } of await resumeStalledIncidents()) {
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
