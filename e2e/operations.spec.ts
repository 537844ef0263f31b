import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { expect, test } from "@playwright/test";

import { startTempPostgres, type TempPostgres } from "../lib/db/temp-postgres";
import { DEMO_PASSWORD } from "./support";

// What an operator relies on, against real `npm start` processes on the e2e build: health and
// readiness probes, metrics behind a bearer token, a graceful stop within seconds, and the
// dashboard's 503 page while PostgreSQL is down (and its recovery when it returns).

const ROOT = process.cwd();
const METRICS_TOKEN = "e2e-metrics-token-0123456789abcdef";

test.describe.configure({ mode: "serial" });

let e2ePort = 0;
test.beforeAll(({ baseURL }) => {
  e2ePort = Number(new URL(baseURL!).port);
});

type Started = { url: string; child: ChildProcess; log: () => string };

/** `npm start`'s own script on the e2e build (no rebuild) with the given database and settings. */
async function startKeyward(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, ["--max-semi-space-size=64", "--import", "tsx", join(ROOT, "scripts/start.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      KEYWARD_DEMO: "0",
      KEYWARD_DATA_DIR: `data/e2e-${e2ePort}`,
      // Its own database: migrating the e2e server's file while that one serves would wait on its locks.
      DATABASE_URL: `file:./data/e2e-${e2ePort}/operations-${port}.db`,
      KEYWARD_DIST_DIR: `.next-e2e-${e2ePort}`,
      NEXT_TELEMETRY_DISABLED: "1",
      SMTP_URL: "",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Keyward did not start:\n${log}`)), 120_000);
    child.stdout!.on("data", () => {
      if (log.includes("ready on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`Keyward exited with ${code}:\n${log}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, log: () => log };
}

async function stop(started: Started | null) {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  const exited = once(started.child, "exit");
  started.child.kill("SIGTERM");
  await exited;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

test("health and readiness answer without signing in; metrics stay hidden while no token is configured", async ({ request }) => {
  const health = await request.get("/healthz");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });

  const ready = await request.get("/readyz");
  expect(ready.status()).toBe(200);
  expect(await ready.json()).toMatchObject({
    status: "ready",
    checks: { database: { ok: true }, migrations: { ok: true }, usageWriter: { ok: true } },
  });

  expect((await request.get("/metrics")).status()).toBe(404);
});

test.describe("with KEYWARD_METRICS_TOKEN", () => {
  let server: Started | null = null;
  test.beforeAll(async () => {
    server = await startKeyward({ KEYWARD_METRICS_TOKEN: METRICS_TOKEN });
  });
  test.afterAll(() => stop(server));

  test("metrics need the bearer token, and count API requests by route and status", async () => {
    const url = server!.url;
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { authorization: "Bearer not-the-token-at-all" } })).status).toBe(401);

    await fetch(`${url}/v0/openapi.json`);
    await fetch(`${url}/v0/openapi.json`);
    await fetch(`${url}/v0/quota`, { headers: { authorization: "Bearer nonsense" } });

    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    const text = await metrics.text();
    expect(text).toContain('keyward_api_requests_total{route="GET /v0/openapi.json",status="200"} 2');
    expect(text).toContain('keyward_api_requests_total{route="(refused before routing)",status="401"} 1');
    expect(text).toMatch(/keyward_api_request_duration_seconds_count\{route="GET \/v0\/openapi.json"\} 2/);
    expect(text).toMatch(/^keyward_usage_queue_depth \d+$/m);
    expect(text).toMatch(/^keyward_bulk_runs_running \d+$/m);
    expect(text).toMatch(/^keyward_bulk_run_items_pending \d+$/m);
    expect(text).toContain('keyward_api_refused_calls_total{reason="quota"} 0');
    // Neither the probes nor the metrics are logged per request, and the token never is.
    expect(server!.log()).not.toContain(METRICS_TOKEN);
  });
});

test("a SIGTERM'd server lets the request in progress finish and exits within 5 seconds", async () => {
  const server = await startKeyward({});
  const { port } = new URL(server.url);
  // A keep-alive connection left idle (what browsers and load balancers hold open) ...
  await fetch(`${server.url}/sign-in`);
  // ... and a request still being sent when the signal arrives. "Expect: 100-continue": the
  // server's "continue" says it has the headers and is waiting for the body.
  const inProgress = httpRequest({
    host: "127.0.0.1",
    port,
    method: "POST",
    path: "/v0/leaked-tokens",
    headers: { "content-type": "application/json", "content-length": "13", expect: "100-continue" },
  });
  const outcome = new Promise<number | Error>((resolve) => {
    inProgress.on("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    inProgress.on("error", resolve);
  });
  inProgress.flushHeaders();
  await once(inProgress, "continue");
  inProgress.write('{"tokens":');

  const exited = once(server.child, "exit");
  const signalledAt = Date.now();
  server.child.kill("SIGTERM");
  await expect.poll(() => server.log()).toContain("SIGTERM received");
  inProgress.end("[]}");
  const status = await outcome;
  expect(status).not.toBeInstanceOf(Error);
  expect(status).toBeLessThan(500);
  const [code] = (await exited) as [number | null];
  expect(code).toBe(0);
  expect(Date.now() - signalledAt).toBeLessThan(5_000);
});

test.describe("on PostgreSQL", () => {
  let postgres: TempPostgres | null = null;
  let server: Started | null = null;
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    postgres = await startTempPostgres();
    test.skip(!postgres, "no PostgreSQL server binaries installed");
    server = await startKeyward({ DATABASE_URL: postgres!.url, KEYWARD_DEMO: "1" });
  });
  test.afterAll(async () => {
    await stop(server);
    await postgres?.stop();
  });

  test("dashboard pages answer 503 with a clear page while the database is down, and come back by themselves", async ({ page }) => {
    test.setTimeout(120_000);
    const url = server!.url;
    await page.goto(`${url}/sign-in`);
    await page.getByLabel("Email").fill("admin@acme.test");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByTestId("signed-in-user")).toBeVisible();

    await postgres!.pause();
    const down = await page.goto(`${url}/acme/tokens`);
    expect(down!.status()).toBe(503);
    expect(down!.headers()["retry-after"]).toBe("10");
    await expect(page.getByRole("heading", { name: "Keyward cannot reach its database" })).toBeVisible();
    expect((await fetch(`${url}/readyz`)).status).toBe(503);

    await postgres!.resume();
    // The 503 page reloads itself; no one navigates.
    await expect(page.getByTestId("signed-in-user")).toBeVisible({ timeout: 30_000 });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
  });
});
