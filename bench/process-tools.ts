import { spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

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
