import { createHash } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Test files run in parallel on one database. Files that drive a shared queue as a whole (the
// webhook outbox: a delivery pass claims every due row, whoever queued it) take turns instead:
// a directory made atomically is the lock, per database, so separate test runs do not wait on each other.

const POLL_MS = 100;

export async function holdExclusive(name: string): Promise<() => Promise<void>> {
  const database = createHash("sha256")
    .update(process.env.DATABASE_URL ?? "")
    .digest("hex")
    .slice(0, 12);
  const lock = join(tmpdir(), `keyward-test-${name}-${database}.lock`);
  for (;;) {
    try {
      await mkdir(lock);
      return () => rm(lock, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
