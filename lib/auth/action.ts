import "server-only";

import { z } from "zod";

import { db } from "../db/client";
import { RoleChangedError } from "../db/org-lock";
import { databaseUnavailableReason } from "../db/unavailable";
import { logger } from "../logger";
import { fieldsNestedTooDeeply, JSON_TOO_DEEP_MESSAGE } from "../validations/json-depth";
import { isStorableText, UNSTORABLE_MESSAGE, unstorableFields } from "../validations/text";
import { can, type OrgRole, type Permission } from "./permissions";
import { getRequestContext } from "./request-context";
import { getCurrentUser, type CurrentUser } from "./session";

/** What every server action returns; forms render `errors` beside fields and `message` in an aria-live region. */
export type ActionState<T = undefined> = {
  ok: boolean;
  /** Why a refused call was refused, for callers and tests; the UI shows `message`. */
  code?: "UNAUTHENTICATED" | "NOT_FOUND" | "FORBIDDEN" | "INVALID" | "CONFLICT" | "UNAVAILABLE" | "NEEDS_CONFIRMATION";
  errors?: Record<string, string[]>;
  message?: string;
  data?: T;
};

export type ActionContext = {
  user: CurrentUser;
  org: { id: string; slug: string; name: string };
  role: OrgRole;
  ip: string;
  userAgent: string | null;
};

/** The caller as the mutation layer and the audit log name them (a person, never a token). */
export function actionActor(ctx: Pick<ActionContext, "ip" | "userAgent"> & { user: { id: string; email: string } }) {
  return { kind: "user" as const, userId: ctx.user.id, label: ctx.user.email, ip: ctx.ip, userAgent: ctx.userAgent };
}

export type ActionInput = FormData | Record<string, unknown> | undefined;

const orgSlugSchema = z.string().trim().min(1).max(64).refine(isStorableText);

/** FormData → plain object; repeated keys become arrays; Next's own `$ACTION_*` fields are dropped. */
export function inputToObject(input: ActionInput): Record<string, unknown> {
  if (!input) return {};
  if (!(input instanceof FormData)) return { ...input };
  const out: Record<string, unknown> = {};
  for (const key of new Set(input.keys())) {
    if (key.startsWith("$ACTION")) continue;
    const values = input.getAll(key).filter((v): v is string => typeof v === "string");
    out[key] = values.length === 1 ? values[0] : values;
  }
  return out;
}

export function fieldErrors(error: z.ZodError): ActionState<never> {
  // A Map, not an object: a caller's field may be named "constructor" or "__proto__".
  const errors = new Map<string, string[]>();
  const add = (field: string, message: string) => errors.set(field, [...(errors.get(field) ?? []), message]);
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) add(key, "This field cannot be set.");
      continue;
    }
    add(issue.path.length ? issue.path.join(".") : "form", issue.message);
  }
  return { ok: false, code: "INVALID", errors: Object.fromEntries(errors), message: "Please correct the highlighted fields." };
}

const DECLARED_PERMISSIONS = new WeakMap<object, Permission>();

/** The permission an action was declared with (undefined: not an org action), for the security registry's tests. */
export function declaredPermission(action: object): Permission | undefined {
  return DECLARED_PERMISSIONS.get(action);
}

/**
 * Declares the permission a server action needs (lib/domain/members/policy.ts) and parses its
 * input. The org comes from `orgSlug` in the input and is checked against the caller's
 * membership on every call; the handler only runs for a caller whose role has `permission`,
 * with valid input (unknown fields are refused, not ignored). The action's writes re-check the
 * same permission inside their transaction (lib/db/org-lock.ts, inPermittedTransaction).
 */
export function orgAction<S extends z.ZodObject, T = undefined>(
  permission: Permission,
  schema: S,
  handler: (input: z.infer<S>, ctx: ActionContext) => Promise<ActionState<T>>,
) {
  const strictSchema = schema.extend({ orgSlug: orgSlugSchema }).strict();
  async function action(prev: ActionState<T> | undefined, rawInput: ActionInput): Promise<ActionState<T>> {
    // Who did what, for the operator's log: never the input, which may hold names or secrets.
    const done: ActionLogFields = { permission, outcome: "failed" };
    try {
      const result = await authorizeAndRun(prev, rawInput, done);
      done.outcome = result.ok ? "ok" : (result.code ?? "refused");
      return result;
    } catch (error) {
      // Locked, full or unreachable: the database's state, not the caller's fault, and not a 500.
      const reason = databaseUnavailableReason(error);
      if (reason === null) throw error;
      done.outcome = "UNAVAILABLE";
      logger.error({ err: error, permission }, `a server action failed because the database is ${reason}`);
      return { ok: false, code: "UNAVAILABLE", message: UNAVAILABLE_MESSAGES[reason] };
    } finally {
      await logAction(action, done);
    }
  }
  DECLARED_PERMISSIONS.set(action, permission);
  return action;

  async function authorizeAndRun(_prev: ActionState<T> | undefined, rawInput: ActionInput, done: ActionLogFields): Promise<ActionState<T>> {
    const user = await getCurrentUser();
    if (!user) return { ok: false, code: "UNAUTHENTICATED", message: "Your session has ended. Sign in again." };
    done.actorId = user.id;
    const input = inputToObject(rawInput);
    const slug = orgSlugSchema.safeParse(input.orgSlug);
    const membership = slug.success
      ? await db.membership.findFirst({
          where: { userId: user.id, org: { slug: slug.data } },
          select: { role: true, org: { select: { id: true, slug: true, name: true } } },
        })
      : null;
    if (!membership) return NOT_A_MEMBER;
    done.orgId = membership.org.id;
    done.org = membership.org.slug;
    if (!can(membership.role, permission)) return NOT_PERMITTED;
    // Depth first: the text check below and zod walk the input, and deep input is refused unwalked.
    const tooDeep = fieldsNestedTooDeeply(input);
    if (tooDeep.length > 0) return invalidFields(tooDeep, JSON_TOO_DEEP_MESSAGE);
    const unstorable = unstorableFields(input);
    if (unstorable.length > 0) return invalidFields(unstorable, UNSTORABLE_MESSAGE);
    const parsed = strictSchema.safeParse(input);
    if (!parsed.success) return fieldErrors(parsed.error);
    const { orgSlug: _orgSlug, ...rest } = parsed.data as z.infer<S> & { orgSlug: string };
    const { ip, userAgent } = await getRequestContext();
    try {
      return await handler(rest as z.infer<S>, { user, org: membership.org, role: membership.role, ip, userAgent });
    } catch (error) {
      // Removed or demoted while this call was under way: the change's transaction re-checked and wrote nothing.
      if (error instanceof RoleChangedError) return error.stillMember ? NOT_PERMITTED : NOT_A_MEMBER;
      throw error;
    }
  }
}

type ActionLogFields = { permission: Permission; outcome: string; actorId?: string; orgId?: string; org?: string };

/** One log line per org action call: its name, org, actor and outcome (ok, or the refusal code). */
async function logAction(action: object, fields: ActionLogFields): Promise<void> {
  try {
    // Imported when first needed: lib/actions imports this module.
    const { actionNameOf } = await import("../actions/action-names");
    logger.info({ action: actionNameOf(action) ?? "(unnamed)", ...fields }, "org action");
  } catch {
    // A log line must never fail the action.
  }
}

function invalidFields(fields: string[], message: string): ActionState<never> {
  const errors = Object.fromEntries(fields.map((field) => [field, [message]]));
  return { ok: false, code: "INVALID", errors, message: "Please correct the highlighted fields." };
}

// Not a member gets the same answer as a missing org: membership of an org is not disclosed.
const NOT_A_MEMBER: ActionState<never> = { ok: false, code: "NOT_FOUND", message: "Not found." };
// Every permission a member lacks is an admin's (lib/domain/members/policy.ts), so the message can say who may.
const NOT_PERMITTED: ActionState<never> = { ok: false, code: "FORBIDDEN", message: "Only organization admins can do this." };

const UNAVAILABLE_MESSAGES = {
  busy: "Keyward's database is busy right now. Try again in a moment.",
  full: "Keyward cannot save right now: its database is out of space. Tell your administrator.",
  unreachable: "Keyward cannot reach its database right now. Try again in a moment.",
} as const;
