import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { getKeyring } from "@/lib/config/keyring";
import { createDb, type Db } from "@/lib/db/client";
import { startTempPostgres, type TempPostgres } from "@/lib/db/temp-postgres";
import { newTokenRows } from "@/lib/db/token-store";

import { basicAuth } from "../support/api";

// PostgreSQL stopped and started again while a Keyward server is under load: dashboard pages answer
// the 503 page (never a 500) and /readyz says not ready while it is down; API calls answer 503; and
// everything comes back by itself when it returns, without restarting the server, with every
// acknowledged charge kept and its usage row written. The server is tests/support/outage-server-process.ts
// (the production 503 wrapper and probe in front of a page reading through Prisma, without Next.js);
// this file has a PostgreSQL cluster of its own, since it stops it. PostgreSQL pass of `npm test` only.

const ROOT = join(import.meta.dirname, "../..");
const SERVER_SCRIPT = join(ROOT, "tests/support/outage-server-process.ts");

// "stopping" / "starting": PostgreSQL is being stopped or started. A call then straddles the change
// (a query under way as it stopped; a call made while down that completes once it is back) and is
// held only to the transition rules below.
type Phase = "up" | "stopping" | "down" | "starting" | "back";
type Answer = { phase: Phase; kind: "page" | "api"; status: number; retryAfter: string | null; body: string };

async function waitFor(check: () => boolean | Promise<boolean>, what: string | (() => string), timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("PostgreSQL stopped and started under load", () => {
  let postgres: TempPostgres | null = null;
  let server: ChildProcess | undefined;
  let url = "";
  let output = "";
  let db: Db;

  beforeAll(async () => {
    postgres = await startTempPostgres();
    if (!postgres) throw new Error("no PostgreSQL server binaries: this test stops and starts a cluster of its own");
    server = spawn(process.execPath, ["--import", "tsx", SERVER_SCRIPT], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: postgres.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    await waitFor(() => /^listening \d+$/m.test(output), `the server to listen:\n${output}`, 90_000);
    url = `http://127.0.0.1:${/^listening (\d+)$/m.exec(output)![1]}`;
    db = createDb({ provider: "postgresql", url: postgres.url });
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill("SIGKILL");
      await once(server, "exit");
    }
    await db?.$disconnect();
    await postgres?.stop();
  });

  it("answers 503 while it is down (pages with the 503 page), recovers by itself, and keeps every acknowledged charge", async () => {
    const quota = 1_000_000;
    const org = await db.org.create({ data: { slug: "outage", name: "Outage" } });
    const rows = newTokenRows(getKeyring(), {
      orgId: org.id,
      name: "ci",
      scopes: [],
      visibility: "ORGANIZATION",
      quotaMax: quota,
      quotaWindow: "MONTHLY",
      expiresAt: null,
      createdById: null,
    });
    await db.apiToken.create({ data: rows.token });
    await db.apiTokenValue.create({ data: rows.value });
    const authorization = basicAuth(rows.plaintext);

    let phase: Phase = "up";
    let running = true;
    const answers: Answer[] = [];
    // Every API answer, whatever its phase: what the quota and the usage rows must account for.
    const apiStatuses: number[] = [];
    const failures: string[] = [];
    const worker = async (kind: Answer["kind"]) => {
      while (running) {
        const calledIn = phase;
        try {
          const response = await fetch(kind === "api" ? `${url}/v0/organizations` : `${url}/outage/tokens`, {
            headers: kind === "api" ? { authorization } : {},
          });
          const body = await response.text();
          if (kind === "api") apiStatuses.push(response.status);
          // Calls that straddle a change of phase say nothing clear about either.
          if (calledIn === phase)
            answers.push({ phase, kind, status: response.status, retryAfter: response.headers.get("retry-after"), body });
        } catch (error) {
          failures.push(`${kind} in phase ${calledIn}: ${String(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const seen = (kind: Answer["kind"], at: Phase, status: number) =>
      answers.some((answer) => answer.kind === kind && answer.phase === at && answer.status === status);
    const summary = () => {
      const counts = new Map<string, number>();
      for (const answer of answers)
        counts.set(
          `${answer.kind} ${answer.phase} ${answer.status}`,
          (counts.get(`${answer.kind} ${answer.phase} ${answer.status}`) ?? 0) + 1,
        );
      return [...counts].map(([key, count]) => `${key}: ${count}`).join(", ");
    };
    const readyStatus = async () => (await fetch(`${url}/readyz`)).status;

    const load = [...Array.from({ length: 4 }, () => worker("api")), ...Array.from({ length: 2 }, () => worker("page"))];
    await waitFor(() => seen("api", "up", 200) && seen("page", "up", 200), "answers before the outage");

    phase = "stopping";
    await postgres!.pause();
    phase = "down";
    await waitFor(
      () => seen("api", "down", 503) && seen("page", "down", 503),
      () =>
        `503s while PostgreSQL is down (answers: ${summary()}; failures: ${failures.slice(0, 3).join(" | ")}; server: ${output.slice(-3000)})`,
    );
    expect(await readyStatus()).toBe(503);

    phase = "starting";
    await postgres!.resume();
    phase = "back";
    // No restart, no operator: the pools and the probe reconnect on their own.
    await waitFor(() => seen("api", "back", 200) && seen("page", "back", 200), "answers once PostgreSQL is back");
    await waitFor(async () => (await readyStatus()) === 200, "/readyz ready again");
    const recovered = answers.length;
    await waitFor(() => answers.length >= recovered + 60, "more calls after the recovery");
    running = false;
    await Promise.all(load);

    expect(failures, failures.slice(0, 3).join(" | ")).toEqual([]);
    // Up, down and back, every answer is a 200 or a 503. In a transition a page can still be a 500:
    // its query failed as the connection was cut, or failed while down and the probe then found the
    // database back.
    const settled = answers.filter((answer) => answer.phase !== "stopping" && answer.phase !== "starting");
    expect(
      settled.filter((answer) => answer.status !== 200 && answer.status !== 503).map((a) => `${a.kind} ${a.phase} ${a.status}`),
    ).toEqual([]);
    const pageWhileDown = answers.filter((answer) => answer.kind === "page" && answer.phase === "down");
    expect(pageWhileDown.length).toBeGreaterThan(0);
    for (const answer of pageWhileDown) {
      expect(answer.status).toBe(503);
      expect(answer.retryAfter).toBe("10");
      expect(answer.body).toContain("Keyward cannot reach its database");
    }
    // Once recovered, it stays recovered.
    expect(answers.slice(recovered).filter((answer) => answer.status !== 200)).toEqual([]);

    // A graceful stop writes the usage rows held while the database was away.
    server!.kill("SIGTERM");
    await once(server!, "exit");
    const acknowledged = apiStatuses.filter((status) => status === 200).length;
    const refused = apiStatuses.filter((status) => status === 503).length;
    const charged = quota - (await db.apiToken.findUniqueOrThrow({ where: { id: rows.token.id } })).quotaRemaining;
    expect(charged).toBeGreaterThanOrEqual(acknowledged);
    // A call charged just before its connection was cut answers 503: charged, never acknowledged.
    expect(charged).toBeLessThanOrEqual(acknowledged + refused);
    expect(await db.usageEvent.count({ where: { tokenId: rows.token.id, status: 200 } })).toBe(acknowledged);
  });
});
