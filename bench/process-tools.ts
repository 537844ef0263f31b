import { spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

// What the API benchmarks (bench/api.ts, bench/api-postgres.ts) share to run load tools and servers.

/** Runs a load tool to completion (bounded: its own duration plus 30 s) and returns what it printed. */
export function run(command: string, args: string[], seconds: number): string {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: (seconds + 30) * 1000 });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr || result.error?.message}`);
  return result.stdout;
}

/** GETs a URL with a token and fails loudly on anything but 200. */
export async function fetchText(url: string, auth: string): Promise<string> {
  const response = await fetch(url, { headers: { authorization: auth } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text}`);
  return text;
}

/** SIGTERM, then SIGKILL after 10 s: a server never outlives the benchmark. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** A loopback port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePromise(port));
    });
  });
}

// CPU accounting from /proc (Linux): utime + stime in clock ticks, 100 per second.
const TICK_MICROS = 10_000;

/**
 * The fields of a /proc stat file (a process's, or one thread's under /proc/<pid>/task) after
 * "(comm) ": state is 0, ppid 1, utime 11, stime 12, cutime 13, cstime 14. Null once it is gone.
 */
function statFields(pid: number | "self", tid?: string): string[] | null {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8");
    // The name in parentheses may itself hold ") ": the fields start after the last one.
    return stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  } catch {
    return null;
  }
}

function threadName(pid: number, tid: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

const cpuMicrosOf = (fields: string[]) => (Number(fields[11]) + Number(fields[12])) * TICK_MICROS;

/** CPU time (all threads) a process has used, in microseconds; 0 once it is gone. */
export function processCpuMicros(pid: number | "self"): number {
  const fields = statFields(pid);
  return fields ? cpuMicrosOf(fields) : 0;
}

/** CPU time per thread of a process, in microseconds, by thread name ("main" for the main thread; threads of one name summed). */
export function threadCpuMicros(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const fields = statFields(pid, tid);
    // The thread ended meanwhile.
    if (!fields) continue;
    const name = tid === String(pid) ? "main" : threadName(pid, tid);
    if (name !== null) byName.set(name, (byName.get(name) ?? 0) + cpuMicrosOf(fields));
  }
  return byName;
}

/** CPU time of reaped children (wrk and hey, once spawnSync has waited for them), in microseconds. */
export function reapedChildrenMicros(): number {
  const fields = statFields("self");
  return fields ? (Number(fields[13]) + Number(fields[14])) * TICK_MICROS : 0;
}

const pids = () =>
  readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number);

/**
 * CPU time of the PostgreSQL cluster on `port`: the postmaster listening there (its command line has
 * `-p <port>`; other clusters on the box are not ours), the backends it has already reaped, and its
 * live backends and helpers.
 */
export function postgresMicros(port: number): number {
  let postmaster: number | null = null;
  for (const pid of pids()) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (argv[0]?.endsWith("/postgres") && argv[argv.indexOf("-p") + 1] === String(port)) postmaster = pid;
    } catch {
      // Gone meanwhile.
    }
  }
  if (postmaster === null) return 0;
  const own = statFields(postmaster);
  let total = own ? (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) * TICK_MICROS : 0;
  for (const pid of pids()) {
    const fields = statFields(pid);
    if (fields && Number(fields[1]) === postmaster) total += cpuMicrosOf(fields);
  }
  return total;
}

/** Busy time of the whole machine (every core), from /proc/stat. */
export function machineBusyMicros(): number {
  const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
  const [user, nice, system, , , irq, softirq, steal] = values.map(Number);
  return (user + nice + system + irq + softirq + steal) * TICK_MICROS;
}

/**
 * Waits until servers have gone quiet (`cpuMicros`: the CPU time they have used so far): under
 * 10% of a core for two quarter-seconds in a row (a minute at most), so one run's leftover work
 * (the usage writer finishing its rows) is not counted in the next. Returns how long it waited,
 * in milliseconds.
 */
export async function settle(cpuMicros: () => number): Promise<number> {
  const started = Date.now();
  for (let quiet = 0; quiet < 2 && Date.now() - started < 60_000;) {
    const before = cpuMicros();
    await new Promise((resolve) => setTimeout(resolve, 250));
    quiet = cpuMicros() - before < 25_000 ? quiet + 1 : 0;
  }
  return Date.now() - started;
}

/** Latency at a fixed offered rate (milliseconds), and the calls answered 200 out of those sent. */
export type Latency = { p50: number; p99: number; ok: number; total: number };

/** A latency run: GET, or POST with a JSON body when `post` is given. */
export type LatencyRun = { url: string; auth: string; seconds: number; post?: { body: string } };

/** The offered rate of every latency run: 1,000 requests/s, as hey's 10 workers × 100/s. */
export const RATE_WORKERS = 10;
export const RATE_PER_WORKER = 100;
export const OFFERED_RATE = RATE_WORKERS * RATE_PER_WORKER;

/**
 * hey at the offered rate. Its ten workers tick together, so calls come in bursts of ten every
 * 10 ms: p99 is about the tenth call of a burst waiting for the nine before it.
 */
export function heyLatency({ url, auth, seconds, post }: LatencyRun): Latency {
  const body = post ? ["-m", "POST", "-T", "application/json", "-d", post.body] : [];
  const out = run(
    "hey",
    ["-z", `${seconds}s`, "-c", String(RATE_WORKERS), "-q", String(RATE_PER_WORKER), ...body, "-H", `Authorization: ${auth}`, url],
    seconds,
  );
  const percentile = (p: number) => Number(new RegExp(`${p}% in ([\\d.]+) secs`).exec(out)?.[1]) * 1000;
  const ok = Number(/\[200\]\s+(\d+) responses/.exec(out)?.[1] ?? 0);
  const total = [...out.matchAll(/\[\d+\]\s+(\d+) responses/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  if (!Number.isFinite(percentile(50)) || !Number.isFinite(percentile(99))) throw new Error(`could not read hey's output:\n${out}`);
  return { p50: percentile(50), p99: percentile(99), ok, total };
}

/** The same offered rate as open-loop Poisson arrivals (bench/open-loop.ts, a process of its own). */
export function openLoopLatency({ url, auth, seconds, post }: LatencyRun): Latency {
  const body = post ? ["--method", "POST", "--body", post.body] : [];
  const out = run(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "open-loop.ts"),
      ...["--url", url, "--rate", String(OFFERED_RATE), "--seconds", String(seconds), "--header", `Authorization: ${auth}`, ...body],
    ],
    seconds + 5,
  );
  const result = JSON.parse(out) as { sent: number; ok: number; p50: number; p99: number };
  return { p50: result.p50, p99: result.p99, ok: result.ok, total: result.sent };
}
