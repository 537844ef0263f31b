import { readAuditMetadata } from "../../db/audit";
import { db } from "../../db/client";
import { currentRole } from "../../db/org-lock";
import { adminPowerRefusal } from "../../domain/tokens/authority";
import { requireOwnOrg, type Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";
import { forbidden } from "../errors";

// GET /v0/orgs/{org}/audit-log: Keyward's audit log in Socket's event shape. Only tokens that
// only admins can hold, acting for someone who is still an admin, may read it (adminPowerRefusal
// with `audit:view`): the log is an admin page in the dashboard.

type E = typeof ENDPOINTS;

/** Keyward's actions that have a Socket event type; the rest are listed under their own name. */
const SOCKET_TYPES: Readonly<Record<string, string>> = {
  "token.created": "CreateApiToken",
  "token.rotated": "RotateApiToken",
  "token.revoked": "RevokeApiToken",
  // One Keyward edit can change several fields; Socket has one type per field.
  "token.updated": "UpdateApiToken",
  "member.invited": "SendInvitation",
  "member.invitation_revoked": "CancelInvitation",
  "member.joined": "JoinOrganization",
  "member.removed": "RemoveMember",
  "member.role_changed": "ChangeMemberRole",
  "org.incident_settings_updated": "UpdateOrganizationSetting",
  "org.github_join_changed": "UpdateOrganizationSetting",
};

/** Socket's per-field token edits all select Keyward's "token.updated". */
const SOCKET_TOKEN_EDITS = [
  "UpdateApiTokenName",
  "UpdateApiTokenScopes",
  "UpdateApiTokenMaxQuota",
  "UpdateApiTokenVisibility",
  "UpdateApiTokenCommitter",
];

/** The Keyward actions a `type` filter selects: a Socket type's actions, or a Keyward action itself. */
export function actionsForType(type: string): string[] {
  if (SOCKET_TOKEN_EDITS.includes(type)) return ["token.updated"];
  const mapped = Object.entries(SOCKET_TYPES)
    .filter(([, socketType]) => socketType === type)
    .map(([action]) => action);
  return mapped.length > 0 ? mapped : [type];
}

export const socketTypeOf = (action: string): string => SOCKET_TYPES[action] ?? action;

export const getAuditLogEvents: Implementation<E["getAuditLogEvents"]> = async (context) => {
  const org = await requireOwnOrg(context);
  // Read now, not from the token cache: a token made organization-visible, or whose admin was
  // removed or demoted, a moment ago is refused.
  const caller = await db.apiToken.findFirst({
    where: { id: context.token.tokenId, orgId: org.id },
    select: { visibility: true, onBehalfOfId: true },
  });
  const onBehalfOfRole = caller?.onBehalfOfId ? await currentRole(org.id, caller.onBehalfOfId) : null;
  const refusal = adminPowerRefusal({ visibility: caller?.visibility ?? "ORGANIZATION", onBehalfOfRole }, "audit:view");
  if (refusal === "member-usable-token") {
    throw forbidden("Only admin-only tokens may read the audit log: members can copy an organization-visible token.", {
      rule: "audit-log-admin-only",
    });
  }
  if (refusal === "former-admin") {
    throw forbidden("This token was created by someone who is no longer an admin: it can no longer read the audit log.", {
      rule: "former-admin",
    });
  }
  const { type, per_page: perPage, page } = context.query;
  const events = await db.auditEvent.findMany({
    where: { orgId: org.id, ...(type ? { action: { in: actionsForType(type) } } : {}) },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    skip: (page - 1) * perPage,
    take: perPage + 1,
  });
  const results = events.slice(0, perPage).map((event) => {
    const at = event.at.toISOString();
    return {
      event_id: event.id,
      created_at: at,
      updated_at: at,
      country_code: null,
      organization_id: org.id,
      ip_address: event.ip,
      payload: {
        action: event.action,
        actor: {
          kind: event.actorUserId ? "user" : event.actorTokenId ? "token" : "system",
          label: event.actorLabel,
          tokenId: event.actorTokenId,
        },
        target: event.targetType ? { type: event.targetType, id: event.targetId } : null,
        details: readAuditMetadata(event.metadata),
      },
      status_code: null,
      type: socketTypeOf(event.action),
      user_agent: event.userAgent,
      user_id: event.actorUserId,
      // A person's actions carry their email as the label; a token's or the system's carry none.
      user_email: event.actorUserId ? event.actorLabel : "",
      user_image: "",
      organization_name: org.name,
    };
  });
  return { body: { results, nextPage: events.length > perPage ? String(page + 1) : null } };
};
