import { spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";

import { getKeyring } from "@/lib/config/keyring";
import { db } from "@/lib/db/client";
import {
  createIncident,
  DEFAULT_LEASE_MS,
  incidentProgress,
  resumeStalledIncidents,
  runIncident,
  type UserActor,
} from "@/lib/db/incidents";
import { newTokenRows } from "@/lib/db/token-store";
import { incidentFilterSchema } from "@/lib/validations/incident";

import { createTestOrg } from "../support/request-as";

// The "Done when" of bulk rotation: a run killed midway (SIGKILL, like a crash or a pulled plug)
// leaves every token fully old or fully new, and a rerun finishes the rest without rotating any
// token twice. The run happens in a child process on the same database the test reads.

const GRACE_SECONDS = 3600;
const ROOT = join(import.meta.dirname, "..", "..");

async function addTokens(orgId: string, count: number): Promise<string[]> {
  const keyring = getKeyring();
  const rows = Array.from({ length: count }, (_, i) =>
    newTokenRows(keyring, {
      orgId,
      name: `ci-${String(i).padStart(4, "0")}`,
      scopes: ["report:write"],
      visibility: "ORGANIZATION",
      quotaMax: 1000,
      quotaWindow: "MONTHLY",
      expiresAt: null,
      createdById: null,
    }),
  );
  for (let i = 0; i < rows.length; i += 250) {
    const chunk = rows.slice(i, i + 250);
    await db.apiToken.createMany({ data: chunk.map((r) => r.token) });
    await db.apiTokenValue.createMany({ data: chunk.map((r) => r.value) });
  }
  return rows.map((r) => r.token.id);
}

function actorFor(user: { id: string; email: string }): UserActor {
  return { kind: "user", userId: user.id, label: user.email, ip: "192.0.2.1", userAgent: "vitest" };
}

/** Per token: its values (live or not at `now`) and its rotation audit events for this incident. */
async function tokenStates(orgId: string, incidentId: string, now = new Date()) {
  const [tokens, events, items] = await Promise.all([
    db.apiToken.findMany({
      where: { orgId },
      select: { id: true, version: true, lastFour: true, values: { select: { id: true, validUntil: true, lastFour: true } } },
    }),
    db.auditEvent.findMany({
      where: { orgId, action: "token.rotated", metadata: { contains: `"incidentId":"${incidentId}"` } },
      select: { targetId: true, metadata: true },
    }),
    db.incidentItem.findMany({ where: { incidentId }, select: { tokenId: true, state: true, newValueId: true } }),
  ]);
  const rotations = new Map<string, number>();
  for (const event of events) rotations.set(event.targetId!, (rotations.get(event.targetId!) ?? 0) + 1);
  const itemOf = new Map(items.map((item) => [item.tokenId, item]));
  return tokens.map((token) => {
    const current = token.values.filter((v) => v.validUntil === null);
    const inGrace = token.values.filter((v) => v.validUntil !== null && v.validUntil > now);
    const item = itemOf.get(token.id)!;
    return { token, current, inGrace, rotations: rotations.get(token.id) ?? 0, item };
  });
}

function runChild(args: string[], onLine: (line: string, kill: () => void) => void) {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/integration/incident-runner.child.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let buffered = "";
  child.stdout.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) onLine(line, () => child.kill("SIGKILL"));
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
}

describe("bulk rotation of 1,000 tokens, killed midway and rerun", () => {
  let setup: Awaited<ReturnType<typeof createTestOrg>>;
  let incidentId: string;

  beforeAll(async () => {
    setup = await createTestOrg("bulk");
    await addTokens(setup.org.id, 1000);
    const created = await createIncident(actorFor(setup.admin), setup.org.id, {
      action: "ROTATE",
      graceSeconds: GRACE_SECONDS,
      filter: incidentFilterSchema.parse({ scope: "report:write" }),
      expectedCount: 1000,
    });
    incidentId = created.incidentId;
  }, 120_000);

  it("leaves each token fully old or fully new after SIGKILL, and the rerun rotates every token exactly once", async () => {
    const leaseMs = 1500;
    let killedAt = -1;
    const exit = await runChild([incidentId, setup.admin.id, setup.admin.email, String(leaseMs), "10"], (line, kill) => {
      const match = /^progress (\d+)$/.exec(line);
      // Kill somewhere in the middle, at a moment unrelated to batch boundaries.
      if (match && Number(match[1]) >= 300 && killedAt < 0) {
        killedAt = Number(match[1]);
        setTimeout(kill, Math.floor(Math.random() * 40));
      }
    });
    expect(exit.signal, exit.stderr).toBe("SIGKILL");

    // After the crash: some done, some not, and nothing half-done.
    const afterCrash = await tokenStates(setup.org.id, incidentId);
    const done = afterCrash.filter((s) => s.item.state === "DONE");
    const pending = afterCrash.filter((s) => s.item.state === "PENDING");
    expect(done.length).toBeGreaterThanOrEqual(300);
    expect(pending.length).toBeGreaterThan(0);
    expect(done.length + pending.length).toBe(1000);
    for (const state of done) {
      expect(state.current).toHaveLength(1);
      expect(state.current[0]!.id).toBe(state.item.newValueId);
      expect(state.inGrace).toHaveLength(1);
      expect(state.rotations).toBe(1);
      expect(state.token.version).toBe(2);
    }
    for (const state of pending) {
      expect(state.token.values).toHaveLength(1);
      expect(state.current).toHaveLength(1);
      expect(state.rotations).toBe(0);
      expect(state.token.version).toBe(1);
    }

    // While the dead runner's lease lasts nobody else runs it; then the rerun takes over.
    await sleep(leaseMs + 100);
    const rerun = await runIncident(incidentId, actorFor(setup.admin), { leaseMs: 30_000 });
    expect(rerun.outcome).toBe("completed");

    const now = new Date();
    const final = await tokenStates(setup.org.id, incidentId, now);
    expect(final).toHaveLength(1000);
    for (const state of final) {
      expect(state.item.state).toBe("DONE");
      expect(state.rotations).toBe(1);
      expect(state.token.values).toHaveLength(2);
      expect(state.current).toHaveLength(1);
      expect(state.current[0]!.id).toBe(state.item.newValueId);
      expect(state.token.lastFour).toBe(state.current[0]!.lastFour);
      // The old value works only inside its grace period.
      expect(state.inGrace).toHaveLength(1);
      expect(state.inGrace[0]!.validUntil!.getTime()).toBeLessThanOrEqual(now.getTime() + GRACE_SECONDS * 1000);
      expect(state.token.version).toBe(2);
    }
    expect(await incidentProgress(incidentId)).toEqual({ total: 1000, done: 1000, skipped: 0, pending: 0 });
    const incident = await db.incident.findUniqueOrThrow({ where: { id: incidentId } });
    expect(incident.status).toBe("COMPLETED");
    expect(await db.auditEvent.count({ where: { orgId: setup.org.id, action: "incident.completed" } })).toBe(1);

    // Running a completed incident again does nothing.
    expect((await runIncident(incidentId, actorFor(setup.admin))).outcome).toBe("busy");
  });
});

describe("two runners on one incident", () => {
  it("never rotate a token twice, even when both work on the same batch", async () => {
    const setup = await createTestOrg("race");
    await addTokens(setup.org.id, 40);
    const { incidentId } = await createIncident(actorFor(setup.admin), setup.org.id, {
      action: "ROTATE",
      graceSeconds: 0,
      filter: incidentFilterSchema.parse({}),
      expectedCount: 40,
    });
    // A lease of 0 ms lapses at once, so a second runner can claim the incident while the first
    // still works through its batch: both then hold the same pending items.
    const first = runIncident(incidentId, actorFor(setup.admin), { leaseMs: 0, batchSize: 40 });
    while ((await db.incidentItem.count({ where: { incidentId, state: "DONE" } })) === 0) await sleep(2);
    const second = runIncident(incidentId, actorFor(setup.admin), { leaseMs: 60_000, batchSize: 40 });
    const results = await Promise.all([first, second]);
    expect(results.map((r) => r.outcome).sort()).toEqual(["completed", "lost-lease"]);
    const final = await tokenStates(setup.org.id, incidentId);
    for (const state of final) {
      expect(state.rotations).toBe(1);
      expect(state.token.values).toHaveLength(2);
      expect(state.current).toHaveLength(1);
      expect(state.inGrace).toHaveLength(0);
    }
  });
});

describe("after a restart", () => {
  it("a stopped bulk operation is finished as the admin who started it, once, and recorded as resumed automatically", async () => {
    const { org, admin } = await createTestOrg("sweep");
    const tokenIds = await addTokens(org.id, 30);
    const { incidentId } = await createIncident(actorFor(admin), org.id, {
      action: "DISABLE",
      graceSeconds: 0,
      filter: incidentFilterSchema.parse({ scope: "report:write" }),
      expectedCount: 30,
    });
    // The runner died: a few tokens done, the lease lapsed.
    await runIncident(incidentId, actorFor(admin), {
      batchSize: 10,
      onProgress: () => {
        throw new Error("killed");
      },
    }).catch(() => {});
    await db.incident.update({ where: { id: incidentId }, data: { leaseUntil: new Date(Date.now() - 1000) } });
    expect((await incidentProgress(incidentId)).pending).toBe(20);

    // Two processes sweep at once: one finishes it; the other finds the lease taken (or, if it
    // looked after the claim, does not see the operation as stopped at all).
    const sweeps = await Promise.all([resumeStalledIncidents(), resumeStalledIncidents()]);
    const outcomes = sweeps
      .flat()
      .filter((r) => r.incidentId === incidentId)
      .map((r) => r.result.outcome);
    expect(outcomes.filter((outcome) => outcome === "completed")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== "completed" && outcome !== "busy")).toEqual([]);
    expect(await incidentProgress(incidentId)).toMatchObject({ done: 30, pending: 0 });
    expect(await db.apiToken.count({ where: { id: { in: tokenIds }, status: "DISABLED" } })).toBe(30);
    const disabledBy = await db.auditEvent.findMany({ where: { orgId: org.id, action: "token.disabled" }, select: { actorLabel: true } });
    expect(disabledBy).toHaveLength(30);
    expect(new Set(disabledBy.map((e) => e.actorLabel))).toEqual(new Set([admin.email]));
    const resumed = await db.auditEvent.findMany({
      where: { orgId: org.id, action: "incident.resumed" },
      select: { actorUserId: true, actorLabel: true, metadata: true },
    });
    expect(resumed).toHaveLength(1);
    expect(resumed[0]).toMatchObject({ actorUserId: null, actorLabel: "Keyward, after a restart" });
    expect(JSON.parse(resumed[0]!.metadata)).toMatchObject({ automatic: true, pending: 20 });
  });

  it("leaves a just-created operation to the server that created it, and takes it over only after a lease's length unclaimed", async () => {
    const { org, admin } = await createTestOrg("sweep-fresh");
    await addTokens(org.id, 2);
    const { incidentId } = await createIncident(actorFor(admin), org.id, {
      action: "DISABLE",
      graceSeconds: 0,
      filter: incidentFilterSchema.parse({ scope: "report:write" }),
      expectedCount: 2,
    });
    expect((await resumeStalledIncidents()).map((r) => r.incidentId)).not.toContain(incidentId);
    expect(await incidentProgress(incidentId)).toMatchObject({ done: 0, pending: 2 });
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "incident.resumed" } })).toBe(0);

    // Its creator died before claiming it: after a lease's length a sweep finishes it.
    const later = new Date(Date.now() + DEFAULT_LEASE_MS + 1000);
    expect((await resumeStalledIncidents(later)).map((r) => r.incidentId)).toContain(incidentId);
    expect(await incidentProgress(incidentId)).toMatchObject({ done: 2, pending: 0 });
  });

  it("waits for another admin when the one who started it is no longer an admin", async () => {
    const { org, admin, member } = await createTestOrg("sweep-demoted");
    const tokenIds = await addTokens(org.id, 3);
    const { incidentId } = await createIncident(actorFor(admin), org.id, {
      action: "DISABLE",
      graceSeconds: 0,
      filter: incidentFilterSchema.parse({ scope: "report:write" }),
      expectedCount: 3,
    });
    await db.incident.update({ where: { id: incidentId }, data: { leaseUntil: new Date(Date.now() - 1000) } });
    await db.membership.update({ where: { userId_orgId: { userId: member.id, orgId: org.id } }, data: { role: "ADMIN" } });
    await db.membership.update({ where: { userId_orgId: { userId: admin.id, orgId: org.id } }, data: { role: "MEMBER" } });

    const results = await resumeStalledIncidents();
    expect(results.map((r) => r.incidentId)).not.toContain(incidentId);
    expect(await incidentProgress(incidentId)).toMatchObject({ done: 0, pending: 3 });
    expect(await db.apiToken.count({ where: { id: { in: tokenIds }, status: "DISABLED" } })).toBe(0);
  });
});
