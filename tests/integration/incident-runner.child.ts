// Runs one incident's bulk operation in a process of its own, so a test can kill it midway
// (SIGKILL: no cleanup, like a crash). Prints "progress <done+skipped>" after every batch.
//   tsx tests/integration/incident-runner.child.ts <incidentId> <userId> <email> <leaseMs> <batchSize>
import { runIncident } from "../../lib/db/incidents";

const [incidentId, userId, email, leaseMs, batchSize] = process.argv.slice(2);
if (!incidentId || !userId || !email) {
  console.error("usage: incident-runner.child.ts <incidentId> <userId> <email> [leaseMs] [batchSize]");
  process.exit(2);
}

runIncident(
  incidentId,
  { kind: "user", userId, label: email, ip: "192.0.2.10", userAgent: "incident-runner" },
  {
    leaseMs: Number(leaseMs ?? 15_000),
    batchSize: Number(batchSize ?? 25),
    onProgress: (progress) => console.log(`progress ${progress.done + progress.skipped}`),
  },
).then(
  (result) => {
    console.log(`result ${result.outcome}`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
