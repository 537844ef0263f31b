import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { recordAudit } from "@/lib/db/audit";
import { db } from "@/lib/db/client";
import type { AttemptResult } from "@/lib/db/webhooks/deliveries";
import { createWebhook, setWebhookPaused, type WebhookActor } from "@/lib/db/webhooks/mutations";
import { PAUSE_AFTER_CONSECUTIVE_FAILURES } from "@/lib/domain/webhooks/delivery";
import { sendDuePauseAlerts } from "@/lib/server/webhook-pause-alerts";
import { deliverDueWebhooks, startWebhookWorker } from "@/lib/server/webhook-worker";

import { holdExclusive } from "../support/exclusive";
import { createTestOrg } from "../support/request-as";
import { startTestSmtpServer, type TestSmtpServer } from "../support/smtp";

// When a webhook pauses itself, every admin of its org gets one mail (SMTP_URL set), sent after
// the pause has committed: not members, not for a manual pause, not twice for the same pause,
// and a mail server that is down neither blocks nor undoes the pause.

const SIGNING_SECRET = "signing-secret-never-mailed-0123456789";
const HEADER_VALUE = "header-value-never-mailed-42";
const URL_PATH_SECRET = "path-secret-never-mailed";
const PUBLIC_URL = "https://keyward.example.test";

let smtp: TestSmtpServer;
const saved = { smtp: process.env.SMTP_URL, publicUrl: process.env.KEYWARD_PUBLIC_URL };
const cleanups: (() => Promise<unknown>)[] = [];

// The receiver's answer, as the sender would report it: no network needed to fail.
const failing = async (): Promise<AttemptResult> => ({ statusCode: 503, error: null, durationMs: 5, delivered: false });

let releaseOutbox: () => Promise<void>;

beforeAll(async () => {
  // Delivery passes claim every due row in the database: the webhook test files take turns.
  releaseOutbox = await holdExclusive("webhook-outbox");
  smtp = await startTestSmtpServer();
  process.env.SMTP_URL = smtp.url;
  process.env.KEYWARD_PUBLIC_URL = PUBLIC_URL;
});

afterEach(async () => {
  process.env.SMTP_URL = smtp.url;
  while (cleanups.length > 0) await cleanups.pop()!();
});

afterAll(async () => {
  for (const [name, value] of [
    ["SMTP_URL", saved.smtp],
    ["KEYWARD_PUBLIC_URL", saved.publicUrl],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await smtp?.close();
  await releaseOutbox?.();
});

/** This file's webhooks: its delivery passes leave other files' rows alone. */
const ourWebhooks: string[] = [];

/** An org with two admins and a member, and a webhook whose receiver always fails. */
async function orgWithFailingWebhook(label: string) {
  const { org, admin, member } = await createTestOrg(label);
  const secondAdmin = await db.user.create({ data: { email: `second-admin-${org.slug}@${label}.test`, name: "Second Admin" } });
  await db.membership.create({ data: { orgId: org.id, userId: secondAdmin.id, role: "ADMIN" } });
  const actor: WebhookActor = { kind: "user", userId: admin.id, label: admin.email, ip: null, userAgent: null };
  const webhook = await createWebhook(actor, org.id, {
    name: "deploy notifier",
    url: `https://hooks.example.test/services/${URL_PATH_SECRET}?token=${URL_PATH_SECRET}`,
    secret: SIGNING_SECRET,
    events: ["token.revoked"],
    headers: { "X-Api-Key": HEADER_VALUE },
  });
  cleanups.push(() => db.webhook.deleteMany({ where: { id: webhook.id } }));
  ourWebhooks.push(webhook.id);
  return { org, admins: [admin, secondAdmin], member, actor, webhook };
}

/** Queues events and fails them one attempt at a time at `now`, until the webhook pauses itself. */
async function failUntilPaused(orgId: string, webhookId: string, now: Date, { mail = true } = {}) {
  for (let i = 0; i < PAUSE_AFTER_CONSECUTIVE_FAILURES; i++) {
    await recordAudit(db, {
      orgId,
      actor: { type: "system", label: "test" },
      action: "token.revoked",
      target: { type: "token", id: `t-${i}` },
    });
  }
  await db.webhookDelivery.updateMany({ where: { webhookId, status: "PENDING" }, data: { nextAttemptAt: now } });
  for (let i = 0; i < PAUSE_AFTER_CONSECUTIVE_FAILURES; i++) {
    await deliverDueWebhooks(db, { now, send: failing, owner: "test", limit: 1, webhookIds: ourWebhooks });
  }
  if (mail) await sendDuePauseAlerts(db, now);
  const webhook = await db.webhook.findUniqueOrThrow({ where: { id: webhookId } });
  expect(webhook.pausedAt).not.toBeNull();
}

/** What the worker does each second: deliver what is due, then send the alert mail that is due. */
async function workerPass(now: Date) {
  await deliverDueWebhooks(db, { now, send: failing, owner: "test", webhookIds: ourWebhooks });
  await sendDuePauseAlerts(db, now);
}

const mailsTo = (email: string) => smtp.messages.filter((m) => m.to.includes(email.toLowerCase()));
const later = (at: Date, ms: number) => new Date(at.getTime() + ms);
// Far from the wall clock and from the other tests' clocks, so nothing else's deliveries are due.
let clock = Date.now() + 3 * 365 * 86_400_000;
const freshClock = () => new Date((clock += 30 * 86_400_000));

describe("webhook pause alert mail", () => {
  it("mails each admin once, naming the webhook, its host, the last error and the failure count, with a link to the Webhooks page", async () => {
    const { org, admins, member, webhook } = await orgWithFailingWebhook("pausemail");
    const t0 = freshClock();
    await failUntilPaused(org.id, webhook.id, t0);

    for (const admin of admins) {
      const mails = mailsTo(admin.email);
      expect(mails).toHaveLength(1);
      const [mail] = mails;
      expect(mail!.subject).toContain("deploy notifier");
      expect(mail!.text).toContain("hooks.example.test");
      expect(mail!.text).toContain("HTTP 503");
      expect(mail!.text).toContain(`${PAUSE_AFTER_CONSECUTIVE_FAILURES} delivery attempts failed`);
      expect(mail!.text).toContain(`${PUBLIC_URL}/${org.slug}/webhooks`);
      // The signing secret, the custom header's value and the URL's path and query stay out.
      for (const secret of [SIGNING_SECRET, HEADER_VALUE, URL_PATH_SECRET]) {
        for (const part of [mail!.subject, mail!.text, mail!.html, mail!.raw]) expect(part).not.toContain(secret);
      }
    }
    expect(mailsTo(member.email)).toHaveLength(0);

    // Later passes, however late, do not send the same pause's alert again.
    await workerPass(later(t0, 86_400_000));
    for (const admin of admins) expect(mailsTo(admin.email)).toHaveLength(1);
  });

  it("sends nothing without SMTP_URL: the banner and the audit event are the alert", async () => {
    const { org, admins, webhook } = await orgWithFailingWebhook("pausenosmtp");
    delete process.env.SMTP_URL;
    const t0 = freshClock();
    await failUntilPaused(org.id, webhook.id, t0);
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "webhook.auto_paused" } })).toBe(1);

    // Nor later, once mail is configured, for a pause that happened without it.
    process.env.SMTP_URL = smtp.url;
    await workerPass(later(t0, 60_000));
    for (const admin of admins) expect(mailsTo(admin.email)).toHaveLength(0);
  });

  it("sends nothing for a manual pause", async () => {
    const { org, admins, actor, webhook } = await orgWithFailingWebhook("pausemanual");
    expect(await setWebhookPaused(actor, org.id, webhook.id, true)).toBe(true);
    await workerPass(freshClock());
    for (const admin of admins) expect(mailsTo(admin.email)).toHaveLength(0);
  });

  it("mails again when the webhook pauses itself again after a resume", async () => {
    const { org, admins, actor, webhook } = await orgWithFailingWebhook("pauseagain");
    const t0 = freshClock();
    await failUntilPaused(org.id, webhook.id, t0);
    expect(await setWebhookPaused(actor, org.id, webhook.id, false)).toBe(true);
    await db.webhookDelivery.deleteMany({ where: { webhookId: webhook.id } });
    await failUntilPaused(org.id, webhook.id, later(t0, 86_400_000));
    for (const admin of admins) expect(mailsTo(admin.email)).toHaveLength(2);
  });

  it("pauses even while the mail server is down, and mails the admins once it is back", async () => {
    const { org, admins, webhook } = await orgWithFailingWebhook("pausesmtpdown");
    process.env.SMTP_URL = "smtp://127.0.0.1:1";
    const t0 = freshClock();
    await failUntilPaused(org.id, webhook.id, t0);
    expect(await db.auditEvent.count({ where: { orgId: org.id, action: "webhook.auto_paused" } })).toBe(1);
    for (const admin of admins) expect(mailsTo(admin.email)).toHaveLength(0);

    process.env.SMTP_URL = smtp.url;
    await workerPass(later(t0, 60_000));
    await workerPass(later(t0, 3_600_000));
    for (const admin of admins) expect(mailsTo(admin.email)).toHaveLength(1);
  });

  it("does not tell an admin demoted, or a webhook resumed, before the alert went out", async () => {
    const { org, admins, webhook } = await orgWithFailingWebhook("pausedemoted");
    process.env.SMTP_URL = "smtp://127.0.0.1:1";
    const t0 = freshClock();
    await failUntilPaused(org.id, webhook.id, t0);
    const [stillAdmin, demoted] = admins;
    await db.membership.update({ where: { userId_orgId: { userId: demoted!.id, orgId: org.id } }, data: { role: "MEMBER" } });

    process.env.SMTP_URL = smtp.url;
    await workerPass(later(t0, 60_000));
    expect(mailsTo(stillAdmin!.email)).toHaveLength(1);
    expect(mailsTo(demoted!.email)).toHaveLength(0);

    // A pause resumed before its alert could be sent is not reported afterwards.
    const other = await orgWithFailingWebhook("pauseresumed");
    process.env.SMTP_URL = "smtp://127.0.0.1:1";
    const t1 = freshClock();
    await failUntilPaused(other.org.id, other.webhook.id, t1);
    await db.webhookDelivery.deleteMany({ where: { webhookId: other.webhook.id } }); // so it cannot fail and pause anew
    expect(await setWebhookPaused(other.actor, other.org.id, other.webhook.id, false)).toBe(true);
    process.env.SMTP_URL = smtp.url;
    await workerPass(later(t1, 60_000));
    for (const admin of other.admins) expect(mailsTo(admin.email)).toHaveLength(0);
  });

  it("is sent by the running worker", async () => {
    const { org, admins, webhook } = await orgWithFailingWebhook("pauseworker");
    // The worker runs on the wall clock: pause now, and leave the mail to it.
    await failUntilPaused(org.id, webhook.id, new Date(), { mail: false });
    expect(mailsTo(admins[0]!.email)).toHaveLength(0);
    const stopWorker = startWebhookWorker(db, () => {}, { intervalMs: 50 });
    cleanups.push(async () => stopWorker());
    for (const admin of admins) await smtp.waitForMail(admin.email);
  });
});
