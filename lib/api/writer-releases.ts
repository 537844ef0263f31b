/**
 * A count of the SQLite usage writer thread's commits, shared with it (usage-writer.worker.mjs adds
 * one and wakes waiters after each transaction), so a charge that found the write lock taken
 * retries the moment it is free instead of after a timer.
 */
export class WriterReleases {
  readonly counter = new Int32Array(new SharedArrayBuffer(4));

  current(): number {
    return Atomics.load(this.counter, 0);
  }

  /** Resolves at the writer's next commit after `seen`, or after `timeoutMs` at most. */
  next(seen: number, timeoutMs: number): Promise<unknown> {
    const wait = Atomics.waitAsync(this.counter, 0, seen, timeoutMs);
    return wait.async ? wait.value : Promise.resolve();
  }
}
