import { chargeStatementKey } from "./charge-key";
import type { ChargeRequest, ChargeResult } from "./store";

// Concurrent charges of one token, coalesced into one guarded statement (PostgreSQL's store).
//
// Every charged call updates its token's row, so a busy token is one hot row: on PostgreSQL each
// concurrent UPDATE queues on the row lock, wakes when the holder commits and re-checks the newer
// version, which cost ~450 µs of PostgreSQL CPU per call under load (bench/README.md). Here a server
// keeps at most one charge statement in flight per token: calls that arrive meanwhile wait for it
// and then go together, as one charge of their summed cost. No call waits when the token is idle.
//
// Exactness is the statement's, as before: a batch charges only if the quota covers all of it,
// and each call is answered only after its charge committed. When a batch is refused (quota short,
// token changed), its calls are charged one by one in arrival order, so exactly those the quota
// covers succeed; once one of them is refused the rest are too (see `laneKey`), without asking again.

type Waiting = { request: ChargeRequest; resolve: (result: ChargeResult | null) => void; reject: (error: unknown) => void };
type Lane = { waiting: Waiting[] };

/**
 * Calls that can share a statement: those chargeStatementKey puts together (same token, version,
 * window and service at its version), of the same cost (so a refusal of one means a refusal of
 * every later one: the quota only falls within a window, expiry and token changes only take
 * effect) and the same `readOrg`, so one statement answers all of them.
 */
export const laneKey = (request: ChargeRequest) => `${chargeStatementKey(request)}\u0000${request.cost}\u0000${request.readOrg ? 1 : 0}`;

export class ChargeBatcher {
  readonly #lanes = new Map<string, Lane>();

  /** `chargeOnce` runs one guarded charge statement (ApiStore.charge's contract). */
  constructor(private readonly chargeOnce: (request: ChargeRequest) => Promise<ChargeResult | null>) {}

  charge(request: ChargeRequest): Promise<ChargeResult | null> {
    const key = laneKey(request);
    return new Promise((resolve, reject) => {
      const lane = this.#lanes.get(key);
      if (lane) {
        lane.waiting.push({ request, resolve, reject });
        return;
      }
      const started: Lane = { waiting: [{ request, resolve, reject }] };
      this.#lanes.set(key, started);
      void this.#drain(key, started);
    });
  }

  async #drain(key: string, lane: Lane): Promise<void> {
    try {
      while (lane.waiting.length > 0) {
        const batch = lane.waiting;
        lane.waiting = [];
        await this.#chargeBatch(batch);
      }
    } finally {
      this.#lanes.delete(key);
    }
  }

  async #chargeBatch(batch: Waiting[]): Promise<void> {
    if (batch.length > 1) {
      // The latest call's time: the window and expiry are checked at it.
      const last = batch[batch.length - 1].request;
      const cost = last.cost;
      let together: ChargeResult | null;
      try {
        together = await this.chargeOnce({ ...last, cost: cost * batch.length });
      } catch (error) {
        for (const call of batch) call.reject(error);
        return;
      }
      if (together) {
        // As if charged one after another in arrival order: the first call saw the most left.
        batch.forEach((call, index) => call.resolve({ ...together, remaining: together.remaining + cost * (batch.length - 1 - index) }));
        return;
      }
    }
    let refused = false;
    for (const call of batch) {
      if (refused) {
        call.resolve(null);
        continue;
      }
      try {
        const result = await this.chargeOnce(call.request);
        refused = result === null;
        call.resolve(result);
      } catch (error) {
        call.reject(error);
      }
    }
  }
}
