// HAProxy in front of several Keyward servers, for the multi-server test (and the README's
// "Running several servers", which shows the same configuration).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Backend = { name: string; port: number };

/** The haproxy binary on PATH or in /usr/sbin (Debian's package), else null. */
export function findHaproxy(): string | null {
  for (const candidate of ["haproxy", "/usr/sbin/haproxy"]) {
    if (spawnSync(candidate, ["-v"], { stdio: "ignore" }).status === 0) return candidate;
  }
  return null;
}

/**
 * Round robin over the servers, each health-checked every second and taken out after two failed
 * checks (a check waits up to 5 s: a busy server is slow, not dead). A connection refused (a dead server) is retried on another server; a request already
 * sent is never retried, since a second attempt could charge the quota twice. `X-Forwarded-For`
 * carries the caller's address (the servers run with TRUST_PROXY=1); `X-Keyward-Server` says
 * which server answered. Statistics (CSV) on statsPort at /stats;csv.
 */
export function haproxyConfig(options: { port: number; statsPort: number; servers: Backend[] }): string {
  return `global
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 3
    option redispatch
    timeout check 5s

frontend keyward
    bind 127.0.0.1:${options.port}
    option forwardfor
    default_backend keyward_servers

backend keyward_servers
    balance roundrobin
    option httpchk GET /v0/openapi.json
    http-response set-header X-Keyward-Server %[srv_name]
${options.servers.map((server) => `    server ${server.name} 127.0.0.1:${server.port} check inter 1s fall 2 rise 1`).join("\n")}

frontend stats
    bind 127.0.0.1:${options.statsPort}
    stats enable
    stats uri /stats
`;
}

export type Haproxy = {
  url: string;
  /** The haproxy process (for its CPU time in bench/api-postgres.ts). */
  pid: number;
  /** Each server's state as HAProxy's health checks see it ("UP", "DOWN", …). */
  serverStates(): Promise<Record<string, string>>;
  stop(): Promise<void>;
};

/** Starts HAProxy in the foreground in its own process group, with a generated configuration. */
export async function startHaproxy(binary: string, options: { port: number; statsPort: number; servers: Backend[] }): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), "keyward-haproxy-"));
  const configFile = join(dir, "haproxy.cfg");
  writeFileSync(configFile, haproxyConfig(options));
  const child: ChildProcess = spawn(binary, ["-db", "-f", configFile], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      process.kill(-child.pid!, "SIGKILL");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(options.port, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `http://127.0.0.1:${options.port}`,
    pid: child.pid!,
    async serverStates() {
      const csv = await (await fetch(`http://127.0.0.1:${options.statsPort}/stats;csv`)).text();
      const [header, ...rows] = csv
        .replace(/^# /, "")
        .trim()
        .split("\n")
        .map((line) => line.split(","));
      const column = (name: string) => header!.indexOf(name);
      const states: Record<string, string> = {};
      for (const row of rows) {
        if (row[column("pxname")] === "keyward_servers" && !["FRONTEND", "BACKEND"].includes(row[column("svname")]!)) {
          states[row[column("svname")]!] = row[column("status")]!.split(" ")[0]!;
        }
      }
      return states;
    },
    stop,
  };
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" }, () => {
        socket.end();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`haproxy did not listen on ${port}:\n${output()}`);
}
