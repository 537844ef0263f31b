import "server-only";

import * as incidents from "./incidents";
import * as invitations from "./invitations";
import * as members from "./members";
import * as repos from "./repos";
import * as services from "./services";
import * as tokens from "./tokens";
import * as usage from "./usage";
import * as webhooks from "./webhooks";

// The exported name of each org action, for the admin-action log line (lib/auth/action.ts): an
// action is an anonymous function made by orgAction(), so its name is where it is exported.
const NAMES = new Map<unknown, string>();
for (const [moduleName, exports] of Object.entries({ incidents, invitations, members, repos, services, tokens, usage, webhooks })) {
  for (const [name, value] of Object.entries(exports)) if (typeof value === "function") NAMES.set(value, `${moduleName}.${name}`);
}

export function actionNameOf(action: unknown): string | undefined {
  return NAMES.get(action);
}
