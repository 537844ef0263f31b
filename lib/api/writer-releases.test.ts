import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";

import { WriterReleases } from "./writer-releases";

describe("WriterReleases", () => {
  it("wakes a waiter when another thread counts a commit, long before the waiter's timeout", async () => {
    const releases = new WriterReleases();
    const seen = releases.current();
    let woken = false;
    // A minute: the test's own timeout (5 s) fails it if only the timer would end the wait.
    const waiting = releases.next(seen, 60_000).then(() => (woken = true));
    const thread = new Worker(
      `const { workerData } = require("node:worker_threads"); Atomics.add(workerData, 0, 1); Atomics.notify(workerData, 0);`,
      {
        eval: true,
        workerData: releases.counter,
      },
    );
    await waiting;
    await thread.terminate();
    expect(woken).toBe(true);
    expect(releases.current()).toBe(seen + 1);
  });

  it("does not wait at all when a commit was counted since the caller looked", async () => {
    const releases = new WriterReleases();
    const seen = releases.current();
    Atomics.add(releases.counter, 0, 1);
    const result = await Promise.race([
      releases.next(seen, 60_000).then(() => "resolved"),
      new Promise((resolve) => setTimeout(resolve, 2_000, "waited")),
    ]);
    expect(result).toBe("resolved");
  });

  it("ends the wait at the timeout when no commit comes (the lock was another connection's)", async () => {
    const releases = new WriterReleases();
    await releases.next(releases.current(), 5);
    expect(releases.current()).toBe(0);
  });
});
