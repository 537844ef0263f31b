import { readFileSync } from "node:fs";
import type { APIRequestContext } from "@playwright/test";

/**
 * Crafted server-action calls, as an attacker would send them: the action's id (from the build's
 * manifest, which anyone can also read out of the page's JavaScript) and arguments of their choice.
 */
export function serverActionId(baseURL: string, file: string, exportedName: string): string {
  const port = new URL(baseURL).port;
  const manifest = JSON.parse(readFileSync(`.next-e2e-${port}/server/server-reference-manifest.json`, "utf8")) as {
    node: Record<string, { exportedName: string; filename: string }>;
  };
  const entry = Object.entries(manifest.node).find(([, action]) => action.filename === file && action.exportedName === exportedName);
  if (!entry) throw new Error(`no server action ${exportedName} in ${file}`);
  return entry[0];
}

/** POSTs an action call (prevState undefined, then the input) the way React's client encodes it; returns the raw response body. */
export async function callServerAction(request: APIRequestContext, path: string, actionId: string, input: Record<string, unknown>) {
  const response = await request.post(path, {
    headers: { "Next-Action": actionId, Accept: "text/x-component", "Content-Type": "text/plain;charset=UTF-8" },
    data: JSON.stringify(["$undefined", input]),
  });
  return { status: response.status(), body: await response.text(), headers: response.headers() };
}
