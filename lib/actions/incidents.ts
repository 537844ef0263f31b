"use server";

import { actionActor, orgAction, type ActionState } from "@/lib/auth/action";
import {
  createIncident,
  dismissLeakReport,
  endIncidentGrace,
  lookupTokens,
  resumeIncident,
  startIncidentRun,
  updateIncidentSettings,
  type LookupResult,
} from "@/lib/db/incidents";
import type { TokenVisibility } from "@/lib/db/token-dto";
import { endGracePeriod, rotateToken, setTokenEnabled } from "@/lib/db/token-mutations";
import {
  createIncidentSchema,
  incidentSettingsSchema,
  incidentTargetSchema,
  lookupSchema,
  quickRotateSchema,
  tokenTargetSchema,
} from "@/lib/validations/incident";

import { guarded, refreshOrgPages, TOKEN_NOT_FOUND } from "./refusals";

// Incident response actions. Each declares its permission with orgAction, which also scopes each
// call to the org named by `orgSlug` and refuses unknown fields: incidents:manage, or tokens:manage
// for a change to one token (the permission that change re-checks in its transaction).
// Token changes go through lib/db/token-mutations.ts; bulk operations through lib/db/incidents.ts.

/**
 * Starts a bulk operation over the tokens the filter selects. The admin must type the org's slug
 * (checked here, on the server) and the selection must still have the count the preview showed.
 * Answers at once; the run continues in the background and the incident page shows its progress.
 */
export const createIncidentAction = orgAction("incidents:manage", createIncidentSchema, (input, ctx) =>
  guarded(async (): Promise<ActionState<{ incidentId: string }>> => {
    const { action, graceHours, expectedCount, confirmSlug, ...filter } = input;
    if (confirmSlug !== ctx.org.slug) {
      return {
        ok: false,
        code: "INVALID",
        errors: { confirmSlug: [`Type ${ctx.org.slug} exactly to confirm.`] },
        message: "Please correct the highlighted fields.",
      };
    }
    const actor = actionActor(ctx);
    const { incidentId, total } = await createIncident(actor, ctx.org.id, {
      action,
      graceSeconds: graceHours * 3600,
      filter,
      expectedCount,
    });
    startIncidentRun(incidentId, actor);
    refreshOrgPages(ctx);
    return { ok: true, message: `Started on ${total} token${total === 1 ? "" : "s"}.`, data: { incidentId } };
  }),
);

/** Continues an incident whose run stopped (the server restarted or crashed midway). */
export const resumeIncidentAction = orgAction("incidents:manage", incidentTargetSchema, (input, ctx) =>
  guarded(async () => {
    await resumeIncident(actionActor(ctx), ctx.org.id, input.incidentId);
    refreshOrgPages(ctx);
    return { ok: true, message: "Resumed. Tokens already done are skipped." };
  }),
);

/** "End grace now" for every token an incident rotated. */
export const endIncidentGraceAction = orgAction("incidents:manage", incidentTargetSchema, (input, ctx) =>
  guarded(async () => {
    const ended = await endIncidentGrace(actionActor(ctx), ctx.org.id, input.incidentId);
    refreshOrgPages(ctx);
    return {
      ok: true,
      message:
        ended === 0
          ? "No old value was still in its grace period."
          : `${ended} old value${ended === 1 ? " has" : "s have"} stopped working.`,
    };
  }),
);

/** "End grace now": the replaced values of this token stop working at once. */
export const endGraceAction = orgAction("tokens:manage", tokenTargetSchema, (input, ctx) =>
  guarded(async () => {
    const token = await endGracePeriod(actionActor(ctx), ctx.org.id, input.tokenId);
    if (!token) return TOKEN_NOT_FOUND;
    refreshOrgPages(ctx);
    return { ok: true, message: `The previous value of “${token.name}” has stopped working.` };
  }),
);

export const updateIncidentSettingsAction = orgAction("incidents:manage", incidentSettingsSchema, async (input, ctx) => {
  await updateIncidentSettings(actionActor(ctx), ctx.org.id, input);
  refreshOrgPages(ctx);
  return { ok: true, message: "Settings saved." };
});

export const dismissLeakReportAction = orgAction("incidents:manage", tokenTargetSchema, async (input, ctx) => {
  if (!(await dismissLeakReport(actionActor(ctx), ctx.org.id, input.tokenId))) return TOKEN_NOT_FOUND;
  refreshOrgPages(ctx);
  return { ok: true, message: "Leak report dismissed." };
});

/** "Which token is this?": looks pasted text up across every org the caller administers. */
export const lookupTokenAction = orgAction(
  "incidents:manage",
  lookupSchema,
  async (input, ctx): Promise<ActionState<{ results: LookupResult[] }>> => {
    const results = await lookupTokens(actionActor(ctx), ctx.org.id, input.text);
    if (results.length === 0) {
      return {
        ok: false,
        code: "INVALID",
        errors: { text: ["No Keyward token (kw_…) or service verification key (kws_…) found in this text."] },
        message: "Nothing to look up.",
      };
    }
    return { ok: true, data: { results } };
  },
);

/**
 * One-click rotate from a lookup result, in the token's own org (`orgSlug` names it; the caller
 * must administer it). The new value is shown here and can be revealed again (audited) later.
 */
export const quickRotateAction = orgAction("tokens:manage", quickRotateSchema, (input, ctx) =>
  guarded(
    async (): Promise<
      ActionState<{ name: string; value: string; previousValueValidUntil: string | null; visibility: TokenVisibility }>
    > => {
      const rotated = await rotateToken(actionActor(ctx), ctx.org.id, input.tokenId, { graceSeconds: input.graceHours * 3600 });
      if (!rotated) return TOKEN_NOT_FOUND;
      refreshOrgPages(ctx);
      return {
        ok: true,
        message: `Rotated “${rotated.token.name}”.`,
        data: {
          name: rotated.token.name,
          value: rotated.plaintext,
          previousValueValidUntil: rotated.token.previousValueValidUntil?.toISOString() ?? null,
          visibility: rotated.token.visibility,
        },
      };
    },
  ),
);

/** One-click disable from a lookup result, in the token's own org. */
export const quickDisableAction = orgAction("tokens:manage", tokenTargetSchema, (input, ctx) =>
  guarded(async () => {
    const token = await setTokenEnabled(actionActor(ctx), ctx.org.id, input.tokenId, false);
    if (!token) return TOKEN_NOT_FOUND;
    refreshOrgPages(ctx);
    return { ok: true, message: `Disabled “${token.name}”. API calls with it now fail.` };
  }),
);
