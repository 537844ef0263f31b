import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import type { ActionOutcome } from "./registry";

// Server actions as the code defines them, found at test time: every export of every module in
// lib/actions that starts with 'use server'. A new action shows up here without anyone listing it.

const ROOT = join(import.meta.dirname, "../..");
const ACTIONS_DIR = join(ROOT, "lib/actions");

export type ServerAction = (...args: unknown[]) => Promise<unknown>;

export async function serverActionsInCode(): Promise<Map<string, ServerAction>> {
  const found = new Map<string, ServerAction>();
  for (const file of readdirSync(ACTIONS_DIR).sort()) {
    if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
    const source = readFileSync(join(ACTIONS_DIR, file), "utf8");
    if (!/^\s*(\/\/[^\n]*\n\s*)*["']use server["']/.test(source)) continue;
    const moduleName = file.slice(0, -3);
    const exports = (await import(`../../lib/actions/${moduleName}.ts`)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === "function") found.set(`${moduleName}#${name}`, value as ServerAction);
    }
  }
  return found;
}

export function toFormData(input: Record<string, unknown>): FormData {
  const form = new FormData();
  for (const [key, value] of Object.entries(input)) {
    // A form sends strings only; anything else arrives as some string.
    for (const item of Array.isArray(value) ? value : [value])
      form.append(key, typeof item === "string" ? item : (JSON.stringify(item) ?? "undefined"));
  }
  return form;
}

export type Invocation = { outcome: ActionOutcome | "threw"; result?: unknown; redirectedTo?: string; error?: unknown };

/** Calls an action the way Next.js would for a crafted POST; a redirect (thrown by Next) is an outcome, not an error. */
export async function invokeAction(action: ServerAction, input: Record<string, unknown> | FormData, form = false): Promise<Invocation> {
  try {
    const result = form ? await action(input) : await action(undefined, input);
    const state = result as { ok?: boolean; code?: string } | undefined;
    if (state?.ok === true) return { outcome: "ok", result };
    if (state?.ok === false) return { outcome: (state.code as ActionOutcome | undefined) ?? "refused", result };
    return { outcome: "threw", result, error: new Error(`unexpected action result ${JSON.stringify(result)}`) };
  } catch (error) {
    const digest = (error as { digest?: unknown }).digest;
    if (typeof digest === "string" && digest.startsWith("NEXT_REDIRECT"))
      return { outcome: "redirect", redirectedTo: digest.split(";")[2] };
    return { outcome: "threw", error };
  }
}
