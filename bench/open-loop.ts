// `npx tsx bench/open-loop.ts --url URL --rate 1000 --seconds 10 [--header "Name: value"] [--method POST --body JSON] [--arrivals poisson|even]`:
// latency at a fixed offered rate, with requests sent when they are due whatever the answers do.
//
// hey (`-c 10 -q 100`) is closed-loop per worker and its ten workers tick together: calls arrive
// ten at a time every 10 ms, so its p99 is the tenth call of a burst waiting for the nine before
// it. This generator is open-loop, as wrk2 and vegeta are: the i-th call is due at a planned time
// (Poisson arrivals by default: independent clients; or evenly spaced), is sent then on any free
// kept-alive connection (a new one if none is free) without waiting for earlier answers, so a
// server that falls behind finds the calls queued at its door and their latency shows it. Latency
// is from the moment a call is sent to its answer's end, as vegeta counts it (from the planned time,
// this process's own timer jitter of up to a millisecond would be counted too). The first second
// warms up connections and JIT and is not counted.
// Prints one JSON line: { sent, ok, statuses, p50, p90, p99, p999, max } (milliseconds, counted calls).
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Pool } from "undici";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    header: { type: "string", multiple: true, default: [] },
    method: { type: "string", default: "GET" },
    // Sent as application/json.
    body: { type: "string" },
    arrivals: { type: "string", default: "poisson" },
    // Fixed, so two runs (direct and through the gateway) offer the same arrival pattern.
    seed: { type: "string", default: "1" },
  },
});

const WARM_UP_SECONDS = 1;

async function main() {
  if (!args.url) throw new Error("--url is required");
  const url = new URL(args.url);
  const rate = Number(args.rate);
  // The warm-up second comes on top of the measured ones.
  const total = Math.round(rate * (Number(args.seconds) + WARM_UP_SECONDS));
  const headers: Record<string, string> = {};
  for (const line of args.header) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  if (args.body !== undefined) headers["content-type"] = "application/json";
  const pool = new Pool(url.origin, { connections: 256, pipelining: 1 });
  const path = `${url.pathname}${url.search}`;
  const due = plannedTimes(total, rate, args.arrivals === "even" ? "even" : "poisson", Number(args.seed));

  const latencies = new Float64Array(total);
  const statuses = new Map<number, number>();
  let answered = 0;
  let finished: () => void;
  const allAnswered = new Promise<void>((resolve) => (finished = resolve));
  const send = (index: number) => {
    const sentAt = performance.now();
    pool
      .request({ method: args.method as "GET" | "POST", path, headers, body: args.body })
      .then(async (response) => {
        await response.body.dump();
        return response.statusCode;
      })
      .catch(() => 0)
      .then((status) => {
        latencies[index] = performance.now() - sentAt;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (++answered === total) finished();
      });
  };

  const start = performance.now();
  let next = 0;
  // Sends everything due, then sleeps until the next call is due (timers fire to about a millisecond;
  // calls that came due meanwhile go at once, and their wait is counted in their latency).
  const tick = () => {
    const elapsed = performance.now() - start;
    while (next < total && due[next] <= elapsed) send(next++);
    if (next < total) setTimeout(tick, Math.max(0, due[next] - (performance.now() - start)));
  };
  tick();
  await allAnswered;
  await pool.close();

  const counted = latencies.subarray(Math.min(total - 1, Math.round(rate * WARM_UP_SECONDS)));
  const sorted = Array.from(counted).sort((a, b) => a - b);
  const at = (p: number) => round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
  console.log(
    JSON.stringify({
      sent: total,
      counted: sorted.length,
      ok: statuses.get(200) ?? 0,
      statuses: Object.fromEntries(statuses),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: round(sorted[sorted.length - 1]),
    }),
  );
}

/** When each call is due, in ms from the start: exponential gaps (a Poisson process) or even ones, `rate` a second on average. */
function plannedTimes(count: number, rate: number, arrivals: "poisson" | "even", seed: number): Float64Array {
  const times = new Float64Array(count);
  const mean = 1000 / rate;
  const random = seededRandom(seed);
  let t = 0;
  for (let i = 0; i < count; i++) {
    times[i] = t;
    t += arrivals === "even" ? mean : -Math.log(1 - random()) * mean;
  }
  return times;
}

/** mulberry32: the same sequence for the same seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

main().catch((error: unknown) => {
  console.error(`open-loop: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
