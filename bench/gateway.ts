// `npm run bench:gateway [-- --rounds 2 --seconds 10]`: what the gateway adds to a call.
//
// Migrates a temporary SQLite database, seeds the demo org, a service whose upstream is
// bench/bare-server.ts (a bare node:http server in its own process, answering small JSON from
// memory) and a token holding the service's scope. Starts bench/api-handler-server.ts (the API
// handler as production wires it, the gateway included, without Next.js) and, for each round, at
// a fixed offered rate of 1,000 requests/s (hey -c 10 -q 100), calls the upstream directly, then
// the same path through /gw/<service>/…, printing p50/p99 of both, the difference, and the
// Keyward process's CPU time per gateway call (all threads, the usage writer included). Each round
// also calls the same path through bench/bare-proxy.ts (a do-nothing node:http + undici proxy in its
// own process): what forwarding alone adds on this machine at that moment, the floor the gateway's
// number is read against. Then checks that the quota charged equals the successful gateway calls.
// Each round also measures GET /v0/quota on the same process, for scale: a call through the same
// charge, not forwarded.
// Loopback only; every load run is bounded in time. Needs `apt-get install hey`.
// Goal (issue 17): the gateway adds ≤ 2 ms at p99.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { generateKeySpec } from "../lib/tokens/encryption";
import { quotaRemaining, seedBenchToken } from "./bench-token";
import {
  freePort,
  heyLatency,
  OFFERED_RATE,
  openLoopLatency,
  processCpuMicros,
  RATE_PER_WORKER,
  RATE_WORKERS,
  stop,
  type Latency,
} from "./process-tools";

const ROOT = resolve(import.meta.dirname, "..");
const SERVICE_SLUG = "bench";
const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "2" },
    seconds: { type: "string", default: "10" },
    // Writes a V8 profile of the Keyward process's main thread into DIR (bench/cpu-profile-summary.ts reads it).
    "cpu-prof": { type: "string" },
    // A/B in one run: also starts a second Keyward process with this extra environment (NAME=VALUE)
    // and/or these extra node options (space-separated; --variant-node-options=--flag), and/or from
    // another checkout (--variant-root DIR: another commit's code, e.g. a `git worktree`, with the same
    // schema), on the same database, and measures its gateway in every round beside the first one's.
    // Minute-to-minute noise on a shared machine is larger than most effects, so variants are
    // compared this way.
    "variant-env": { type: "string" },
    "variant-node-options": { type: "string" },
    "variant-root": { type: "string" },
  },
});
const SECONDS = Number(args.seconds);

async function main() {
  if (spawnSync("which", ["hey"]).status !== 0) throw new Error("hey is not installed: apt-get install -y hey");
  const dir = mkdtempSync(join(tmpdir(), "keyward-gateway-bench-"));
  const databaseUrl = `file:${join(dir, "keyward.db")}`;
  const keys = generateKeySpec(1);
  const children: ChildProcess[] = [];
  try {
    const barePort = await freePort();
    const upstream = `http://127.0.0.1:${barePort}`;
    const { token, quotaLeft } = await seed(databaseUrl, keys, upstream);
    children.push((await startProcess(["--import", "tsx", "bench/bare-server.ts"], { PORT: String(barePort) })).child);
    const profile = args["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${resolve(args["cpu-prof"])}`] : [];
    const keywardEnv = {
      DATABASE_URL: databaseUrl,
      TOKEN_ENCRYPTION_KEYS: keys,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      NODE_ENV: "production",
    };
    const keywardArgs = ["--max-semi-space-size=64", ...profile, "--import", "tsx", "bench/api-handler-server.ts"];
    const keyward = await startProcess(keywardArgs, keywardEnv);
    children.push(keyward.child);
    const [variantName, variantValue] = args["variant-env"]?.split("=") ?? [];
    const variantOptions = args["variant-node-options"]?.split(" ").filter(Boolean) ?? [];
    const variantRoot = args["variant-root"] ? resolve(args["variant-root"]) : undefined;
    const variant =
      variantName || variantOptions.length > 0 || variantRoot
        ? await startProcess(
            [...variantOptions, ...keywardArgs],
            variantName ? { ...keywardEnv, [variantName]: variantValue ?? "" } : keywardEnv,
            variantRoot,
          )
        : null;
    const variantLabel = [args["variant-env"], args["variant-node-options"], variantRoot].filter(Boolean).join(" ");
    if (variant) children.push(variant.child);
    const viaVariant = variant && `http://127.0.0.1:${variant.port}/gw/${SERVICE_SLUG}/invoices/42?expand=lines`;
    const bareProxy = await startProcess(["--import", "tsx", "bench/bare-proxy.ts"], { UPSTREAM: upstream });
    children.push(bareProxy.child);
    const direct = `${upstream}/invoices/42?expand=lines`;
    const viaGateway = `http://127.0.0.1:${keyward.port}/gw/${SERVICE_SLUG}/invoices/42?expand=lines`;
    const viaBareProxy = `http://127.0.0.1:${bareProxy.port}/invoices/42?expand=lines`;
    // For scale: a /v0/ call of the same token on the same process, charged by the same statement but not forwarded.
    const v0 = `http://127.0.0.1:${keyward.port}/v0/quota`;
    const auth = `Basic ${Buffer.from(`${token}:`).toString("base64")}`;
    const check = await fetch(viaGateway, { headers: { authorization: auth } });
    if (check.status !== 200) throw new Error(`the gateway answered ${check.status}: ${await check.text()}`);

    console.log(`load average before the run: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`);
    console.log("warming up…");
    for (const url of [direct, viaBareProxy, viaGateway, v0, ...(viaVariant ? [viaVariant] : [])]) heyLatency({ url, auth, seconds: 3 });
    const before = await quotaLeft();

    console.log(
      `${OFFERED_RATE} requests/s, direct, through the bare proxy, then through the gateway, offered two ways: hey -c ${RATE_WORKERS} -q ${RATE_PER_WORKER} -z ${SECONDS}s (ten workers ticking together: bursts of ten every 10 ms), and open-loop Poisson arrivals (bench/open-loop.ts). "added" is over the direct call of the same round:`,
    );
    console.log(
      `  ${"round".padEnd(6)} ${"load".padEnd(10)} ${"direct p50/p99 (ms)".padStart(20)} ${"bare proxy added".padStart(17)} ${"gateway added".padStart(14)}  ${"CPU µs/call: Keyward".padStart(20)} ${"bare proxy".padStart(10)}  ${"gateway ok/sent".padStart(15)}`,
    );
    let gatewayOk = 0;
    const pair = (a: number, b: number) => `${a.toFixed(2)} / ${b.toFixed(2)}`;
    const poissonP99 = { gateway: [] as number[], bareProxy: [] as number[], variant: [] as number[] };
    for (let round = 1; round <= Number(args.rounds); round++) {
      for (const [load, measure] of [
        ["hey burst", heyLatency],
        ["poisson", openLoopLatency],
      ] as const) {
        const bare = measure({ url: direct, auth, seconds: SECONDS });
        const proxied = measured(bareProxy.child, () => measure({ url: viaBareProxy, auth, seconds: SECONDS }));
        // With a variant, which of the two goes first alternates from round to round.
        const variantFirst = variant !== null && round % 2 === 0;
        const measureVariant = () => variant && measured(variant.child, () => measure({ url: viaVariant!, auth, seconds: SECONDS }));
        const early = variantFirst ? measureVariant() : null;
        const through = measured(keyward.child, () => measure({ url: viaGateway, auth, seconds: SECONDS }));
        const other = variantFirst ? early : measureVariant();
        gatewayOk += through.ok + (other?.ok ?? 0);
        if (load === "poisson") {
          poissonP99.gateway.push(through.p99 - bare.p99);
          poissonP99.bareProxy.push(proxied.p99 - bare.p99);
          if (other) poissonP99.variant.push(other.p99 - bare.p99);
        }
        // One line per gateway measured; the variant's leaves the direct and bare-proxy columns to the line above.
        const line = (gateway: Latency & { cpuPerCall: number }, direct: string, bareProxy: string, bareProxyCpu: string) =>
          console.log(
            `  ${String(round).padEnd(6)} ${load.padEnd(10)} ${direct.padStart(20)} ${bareProxy.padStart(17)} ${pair(gateway.p50 - bare.p50, gateway.p99 - bare.p99).padStart(14)}  ${gateway.cpuPerCall.toFixed(0).padStart(20)} ${bareProxyCpu.padStart(10)}  ${`${gateway.ok}/${gateway.total}`.padStart(15)}`,
          );
        line(through, pair(bare.p50, bare.p99), pair(proxied.p50 - bare.p50, proxied.p99 - bare.p99), proxied.cpuPerCall.toFixed(0));
        if (other) line(other, "variant:", "", "");
      }
      const own = heyLatency({ url: v0, auth, seconds: SECONDS });
      console.log(`  ${String(round).padEnd(6)} /v0/quota on the same process, hey burst: p50/p99 ${pair(own.p50, own.p99)} ms`);
    }
    const list = (values: number[]) => values.map((value) => value.toFixed(2)).join(", ");
    console.log();
    console.log(
      `added p99 under Poisson arrivals, per round (ms): gateway ${list(poissonP99.gateway)}; bare proxy ${list(poissonP99.bareProxy)}`,
    );
    if (variant) console.log(`added p99 under Poisson arrivals with ${variantLabel}: ${list(poissonP99.variant)}`);
    console.log(
      `the gateway's own share (gateway − bare proxy): ${list(poissonP99.gateway.map((value, index) => value - poissonP99.bareProxy[index]))}`,
    );

    // A graceful stop writes the last usage rows and charges; then the database says what was charged.
    await stop(keyward.child);
    if (variant) await stop(variant.child);
    const charged = before - (await quotaLeft());
    console.log();
    console.log(`quota charged for the measured gateway calls: ${charged}; successful calls: ${gatewayOk}`);
    if (charged !== gatewayOk) {
      console.log("MISMATCH between the quota charged and the successful calls");
      process.exitCode = 1;
    } else {
      console.log("OK: the quota charged equals the successful calls");
    }
  } finally {
    for (const child of children) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function seed(databaseUrl: string, keys: string, upstreamUrl: string) {
  const [{ applyMigrations }, { resolveDatabaseTarget }] = await Promise.all([
    import("../lib/db/migrate"),
    import("../lib/db/database-url"),
  ]);
  await applyMigrations(resolveDatabaseTarget(databaseUrl));
  const { token, tokenId, orgId, db } = await seedBenchToken(databaseUrl, keys, {
    seedDemo: true,
    serviceScopes: `${SERVICE_SLUG}/invoices`,
  });
  await db.service.create({
    data: {
      orgId,
      name: "Bench",
      slug: SERVICE_SLUG,
      upstreamUrl,
      defaultScope: "api",
      keyHash: randomBytes(32).toString("hex"),
      keyLastFour: "abcd",
      scopes: { create: [{ name: "api" }, { name: "invoices" }, { name: "invoices:read" }] },
      routes: { create: [{ method: "GET", pathPattern: "/invoices/:id", scope: "invoices:read", cost: 1 }] },
    },
  });
  return { token, quotaLeft: () => quotaRemaining(db, tokenId) };
}

/** A latency run, with the CPU time `child` spent per call sent during it (all its threads). */
function measured(child: ChildProcess, run: () => Latency): Latency & { cpuPerCall: number } {
  const before = processCpuMicros(child.pid!);
  const latency = run();
  return { ...latency, cpuPerCall: (processCpuMicros(child.pid!) - before) / latency.total };
}

/** Starts a bench server process and waits for its "listening <port>" line (a minute at most). */
function startProcess(nodeArgs: string[], env: Record<string, string>, cwd = ROOT): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, nodeArgs, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${nodeArgs.join(" ")} did not start in time:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening (\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolvePromise({ child, port: Number(port) });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${nodeArgs.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
