import { randomBytes } from "node:crypto";

// Unique across processes by a random per-process tag; within one, by a counter. Nothing checks it
// on SQLite (no index there, to spare the usage writer). On PostgreSQL ids that grow with time land
// at the right edge of the unique ("requestId", "at") index instead of at random places (a random
// UUID per row made the batch insert twice as slow).
const PROCESS_TAG = randomBytes(6).toString("hex");
let counter = 0;

export function nextRequestId(now: number): string {
  counter = (counter + 1) % 2_176_782_336; // 36^6: the counter's six base-36 digits
  return `${now.toString(36).padStart(9, "0")}-${PROCESS_TAG}-${counter.toString(36).padStart(6, "0")}`;
}
