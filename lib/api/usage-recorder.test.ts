import { describe, expect, it } from "vitest";

import { sampleUsageRow } from "../../tests/support/usage-rows";
import type { RefusedCallGroup } from "../domain/usage/refusals";
import { UsageWriteIncomplete, type ApiStore, type UsageRow } from "./store";
import { UsageRecorder } from "./usage-recorder";

const row = (n: number): UsageRow => sampleUsageRow({ requestId: `r${n}`, at: n });

/** A store whose first write commits part of the batch and fails; later writes succeed. */
function partlyFailingStore(rowsWritten: number, refusedWritten: number) {
  const writes: { rows: string[]; refused: number }[] = [];
  let failed = false;
  const store = {
    insertUsage(rows: readonly UsageRow[], refused: readonly RefusedCallGroup[] = []) {
      writes.push({ rows: rows.map((r) => r.requestId), refused: refused.length });
      if (failed) return Promise.resolve();
      failed = true;
      return Promise.reject(new UsageWriteIncomplete(rowsWritten, refusedWritten, { cause: new Error("disk full") }));
    },
  } as unknown as ApiStore;
  return { store, writes };
}

describe("UsageRecorder after a partly written batch", () => {
  it("retries only the rows the store did not write, so none is counted twice", async () => {
    const { store, writes } = partlyFailingStore(2, 0);
    const errors: unknown[] = [];
    const recorder = new UsageRecorder(store, (error) => errors.push(error), 60_000);
    for (const n of [1, 2, 3, 4]) recorder.record(row(n));
    await recorder.flush();
    expect(errors).toHaveLength(1);
    expect(recorder.pending).toBe(2);
    recorder.record(row(5));
    await recorder.flush();
    expect(writes.map((write) => write.rows)).toEqual([
      ["r1", "r2", "r3", "r4"],
      ["r3", "r4", "r5"],
    ]);
    expect(recorder.pending).toBe(0);
  });

  it("retries the whole batch after any other failure (nothing of it was written)", async () => {
    const writes: string[][] = [];
    let calls = 0;
    const store = {
      insertUsage(rows: readonly UsageRow[]) {
        writes.push(rows.map((r) => r.requestId));
        return calls++ === 0 ? Promise.reject(new Error("locked")) : Promise.resolve();
      },
    } as unknown as ApiStore;
    const recorder = new UsageRecorder(store, () => {}, 60_000);
    for (const n of [1, 2]) recorder.record(row(n));
    await recorder.flush();
    await recorder.flush();
    expect(writes).toEqual([
      ["r1", "r2"],
      ["r1", "r2"],
    ]);
  });
});
