import { notFound, type ApiError } from "./errors";

// Socket's package-analysis endpoints (full scans, alerts, scores, patches, dependency search,
// policies, exports…). Keyward is not a package scanner: these answer 404 saying so, so a Socket
// client's user learns why rather than seeing a bare "No such endpoint".

/** First path segment after /v0/ of Socket's top-level analysis endpoints. */
const TOP_LEVEL = new Set([
  "alert-types",
  "analytics",
  "dependencies",
  "license-metadata",
  "license-policy",
  "npm",
  "purl",
  "saturate-license-policy",
  "settings",
  "threat-feed",
]);

/** First segment after /v0/orgs/{org}/ of Socket's per-organization analysis endpoints. */
const PER_ORG = new Set([
  "alert-full-scan-search",
  "alerts",
  "analytics",
  "dependencies",
  "diff-scans",
  "export",
  "fixes",
  "full-scans",
  "historical",
  "patches",
  "purl",
  "supported-files",
  "threat-feed",
  "triage",
]);

/** Under /v0/orgs/{org}/settings/: the analysis policies (integrations stay a plain 404). */
const PER_ORG_SETTINGS = new Set(["license-policy", "security-policy", "socket-basics"]);

/** Whether a request path is one of Socket's package-analysis endpoints. */
export function isPackageAnalysisPath(pathname: string): boolean {
  const segments = pathname.split("/").filter((segment) => segment !== "");
  if (segments[0] !== "v0" || segments.length < 2) return false;
  if (segments[1] === "report" && segments[2] === "supported") return true;
  if (segments[1] !== "orgs") return TOP_LEVEL.has(segments[1]);
  const area = segments[3];
  if (area === undefined) return false;
  if (area === "settings") return PER_ORG_SETTINGS.has(segments[4] ?? "");
  return PER_ORG.has(area);
}

export const PACKAGE_ANALYSIS_MESSAGE =
  "Keyward does not provide package analysis (full scans, alerts, scores, patches, dependency search, security and license policies): it manages API tokens, repositories, webhooks and the audit log.";

export const packageAnalysisNotProvided = (): ApiError => notFound(PACKAGE_ANALYSIS_MESSAGE);
