import { requireOwnOrg, type Implementation } from "../context";
import { ENDPOINTS } from "../endpoints";

type E = typeof ENDPOINTS;

/**
 * What this Keyward provides, as Socket's entitlements (`getEnabledEntitlements` lists the
 * enabled keys). Package analysis is listed as off: Keyward is not a package scanner.
 */
export const KEYWARD_ENTITLEMENTS = [
  { key: "api-tokens", enabled: true },
  { key: "audit-log", enabled: true },
  { key: "webhooks", enabled: true },
  { key: "package-analysis", enabled: false },
] as const;

export const getEntitlements: Implementation<E["getEntitlements"]> = async (context) => {
  await requireOwnOrg(context);
  return { body: { items: KEYWARD_ENTITLEMENTS.map((item) => ({ ...item })) } };
};
