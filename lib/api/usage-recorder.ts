import { RefusalTally, type RefusedCall } from "../domain/usage/refusals";
import { logger } from "../logger";
import { UsageWriteIncomplete, type ApiStore, type UsageRow } from "./store";

// Usage rows are buffered and written in one batch at most every 250 ms, so a request costs one
// write (its quota charge) and not two. Quota stays exact regardless: it is charged by the
// request's own statement, not here. A crash loses at most the rows of the last interval;
// `flush()` (awaited on SIGTERM/SIGINT) loses none. Refused calls are not rows: they are counted
// per token, value, reason and minute (lib/domain/usage/refusals.ts) and the counts written in the same batch.

export const USAGE_FLUSH_INTERVAL_MS = 250;
/** Beyond this many unwritten rows (the database has been failing for a while) the oldest are dropped. */
const MAX_BUFFERED_ROWS = 200_000;

export class UsageRecorder {
  #buffer: UsageRow[] = [];
  readonly #refused = new RefusalTally();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #dropped = 0;
  #lastFlushFailed = false;

  constructor(
    private readonly store: ApiStore,
    private readonly onError: (error: unknown) => void = (error) => logger.error({ err: error }, "writing API usage failed"),
    private readonly intervalMs = USAGE_FLUSH_INTERVAL_MS,
    /** Each batch's write time and whether it succeeded (GET /metrics). */
    private readonly onFlushed?: (seconds: number, ok: boolean) => void,
  ) {}

  record(row: UsageRow): void {
    this.#buffer.push(row);
    if (this.#buffer.length > MAX_BUFFERED_ROWS) {
      this.#dropped += this.#buffer.length - MAX_BUFFERED_ROWS;
      this.#buffer.splice(0, this.#buffer.length - MAX_BUFFERED_ROWS);
    }
    // Unref'd: a pending batch alone does not keep the process alive (shutdown flushes it).
    this.#timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
  }

  /** A call refused before its endpoint ran: counted, not logged as a row. */
  recordRefusal(call: RefusedCall): void {
    this.#refused.add(call);
    this.#timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
  }

  /** Rows and refused-call groups not yet written. */
  get pending(): number {
    return this.#buffer.length + this.#refused.size;
  }

  /** Whether the last batch failed to write (the rows wait for the next try): readiness reports it. */
  get failing(): boolean {
    return this.#lastFlushFailed;
  }

  /** Writes everything recorded so far; resolves once it is in the database (or the write failed). */
  async flush(): Promise<void> {
    // One batch at a time; a flush requested meanwhile writes what arrived after that batch.
    while (this.#flushing) await this.#flushing;
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#buffer.length === 0 && this.#refused.size === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    const refused = this.#refused.take();
    const started = performance.now();
    this.#flushing = this.store
      .insertUsage(batch, refused)
      .then(() => {
        this.#lastFlushFailed = false;
        this.onFlushed?.((performance.now() - started) / 1000, true);
      })
      .catch((error: unknown) => {
        this.#lastFlushFailed = true;
        this.onFlushed?.((performance.now() - started) / 1000, false);
        // Put back what was not written so the next flush retries it (all of it, unless the
        // store says part of the batch committed: that part must not be counted twice).
        const partly = error instanceof UsageWriteIncomplete ? error : null;
        this.#buffer = (partly ? batch.slice(partly.rowsWritten) : batch).concat(this.#buffer);
        this.#refused.restore(partly ? refused.slice(partly.refusedWritten) : refused);
        this.#timer ??= setTimeout(() => void this.flush(), this.intervalMs).unref();
        this.onError(error);
      })
      .finally(() => {
        this.#flushing = null;
      });
    await this.#flushing;
    if (this.#dropped > 0) {
      this.onError(new Error(`${this.#dropped} usage rows were dropped while the database could not be written`));
      this.#dropped = 0;
    }
    const droppedRefusals = this.#refused.takeDropped();
    if (droppedRefusals > 0)
      this.onError(new Error(`${droppedRefusals} refused calls went uncounted while the database could not be written`));
  }
}
