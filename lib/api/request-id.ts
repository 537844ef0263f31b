import { randomBytes } from "node:crypto";

// UsageEvent.requestId is unique: ids that grow with time land at the right edge of its index
// instead of at random places (a random UUID per row made the batch insert twice as slow).
// Unique across processes by a random per-process tag; within one, by a counter.
const PROCESS_TAG = randomBytes(6).toString("hex");
let counter = 0;

export function nextRequestId(now: number): string {
  counter = (counter + 1) % 2_176_782_336; // 36^6: the counter's six base-36 digits
  return `${now.toString(36).padStart(9, "0")}-${PROCESS_TAG}-${counter.toString(36).padStart(6, "0")}`;
}
