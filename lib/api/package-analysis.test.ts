import { describe, expect, it } from "vitest";

import { isPackageAnalysisPath } from "./package-analysis";

describe("isPackageAnalysisPath", () => {
  it.each([
    "/v0/orgs/acme/full-scans",
    "/v0/orgs/acme/full-scans/abc/metadata",
    "/v0/orgs/acme/alerts",
    "/v0/orgs/acme/diff-scans/x/gfm",
    "/v0/orgs/acme/patches/scan",
    "/v0/orgs/acme/settings/security-policy",
    "/v0/orgs/acme/export/cdx/1",
    "/v0/npm/lodash/4.17.21/score",
    "/v0/dependencies/search",
    "/v0/purl",
    "/v0/report/supported",
  ])("%s is package analysis", (path) => {
    expect(isPackageAnalysisPath(path)).toBe(true);
  });

  it.each([
    "/v0/orgs/acme/repos",
    "/v0/orgs/acme/audit-log",
    "/v0/orgs/acme/api-tokens",
    "/v0/orgs/acme/webhooks",
    "/v0/orgs/acme/settings/integrations/1/events",
    "/v0/orgs/acme",
    "/v0/report/list",
    "/v0/quota",
    "/v0/no-such-thing",
  ])("%s is not", (path) => {
    expect(isPackageAnalysisPath(path)).toBe(false);
  });
});
