import { describe, expect, it } from "vitest";

import { gatewaySettingsFromEnv, parseStartupEnv as parseEnv, usageRetentionFromEnv } from "./env";

// Next.js's types make NODE_ENV a required key of ProcessEnv; these tests leave it unset.
const parseStartupEnv = (vars: Record<string, string>) => parseEnv(vars as unknown as NodeJS.ProcessEnv);

describe("mail and GitHub settings at startup", () => {
  it("accept SMTP and http(s) URLs, or nothing", () => {
    expect(() =>
      parseStartupEnv({
        SMTP_URL: "smtps://user:secret@mail.example.com:465",
        KEYWARD_PUBLIC_URL: "https://keyward.example.com",
        AUTH_GITHUB_URL: "https://github.example.com",
        AUTH_GITHUB_API_URL: "https://github.example.com/api/v3",
      }),
    ).not.toThrow();
    expect(() => parseStartupEnv({ SMTP_URL: "" })).not.toThrow();
  });

  it("name a bad one in one line without echoing its password", () => {
    expect(() => parseStartupEnv({ SMTP_URL: "mail.example.com:25" })).toThrow(
      'SMTP_URL is invalid: must look like smtp://host:port or smtps://user:pass@host:465 (got "mail.example.com:25")',
    );
    expect(() => parseStartupEnv({ SMTP_URL: "smtp:/user:hunter2@mail" })).toThrow(/SMTP_URL is invalid/);
    expect(() => parseStartupEnv({ KEYWARD_PUBLIC_URL: "ftp://user:hunter2@host" })).toThrow(
      'KEYWARD_PUBLIC_URL is invalid: must be an http(s) URL such as https://keyward.example.com (got "ftp://***@host")',
    );
    expect(() => parseStartupEnv({ AUTH_GITHUB_API_URL: "api.github.com" })).toThrow(/AUTH_GITHUB_API_URL is invalid/);
  });
});

describe("TRUST_PROXY at startup", () => {
  it("is a number of proxy hops; the old 1 still means one proxy", () => {
    expect(parseStartupEnv({}).TRUST_PROXY).toBe(0);
    expect(parseStartupEnv({ TRUST_PROXY: "1" }).TRUST_PROXY).toBe(1);
    expect(parseStartupEnv({ TRUST_PROXY: "2" }).TRUST_PROXY).toBe(2);
  });

  it("refuses anything else in one line", () => {
    expect(() => parseStartupEnv({ TRUST_PROXY: "all" })).toThrow(
      'TRUST_PROXY is invalid: must be the number of reverse proxies in front of Keyward, 0 (none) to 10 (got "all")',
    );
    expect(() => parseStartupEnv({ TRUST_PROXY: "-1" })).toThrow(/TRUST_PROXY is invalid/);
    expect(() => parseStartupEnv({ TRUST_PROXY: "10.0.0.0/8" })).toThrow(/TRUST_PROXY is invalid/);
  });
});

describe("usage retention settings", () => {
  const retention = (vars: Record<string, string>) => usageRetentionFromEnv(vars as unknown as NodeJS.ProcessEnv);

  it("keep requests 30 days and rollups 400 unless told otherwise", () => {
    expect(retention({})).toEqual({ usageDays: 30, rollupDays: 400 });
    expect(retention({ KEYWARD_USAGE_RETENTION_DAYS: "90", KEYWARD_ROLLUP_RETENTION_DAYS: "" })).toEqual({
      usageDays: 90,
      rollupDays: 400,
    });
  });

  it("stop startup with one clear line when a retention is not a sensible number of days", () => {
    expect(() => parseStartupEnv({ KEYWARD_USAGE_RETENTION_DAYS: "30d" })).toThrow(
      /KEYWARD_USAGE_RETENTION_DAYS is invalid: must be a whole number of days/,
    );
    expect(() => parseStartupEnv({ KEYWARD_USAGE_RETENTION_DAYS: "2" })).toThrow(
      /KEYWARD_USAGE_RETENTION_DAYS is invalid: must be at least 7 days/,
    );
    expect(() => parseStartupEnv({ KEYWARD_ROLLUP_RETENTION_DAYS: "30" })).toThrow(
      /KEYWARD_ROLLUP_RETENTION_DAYS is invalid: must be at least 90 days/,
    );
    expect(() => parseStartupEnv({ KEYWARD_USAGE_RETENTION_DAYS: "200", KEYWARD_ROLLUP_RETENTION_DAYS: "100" })).toThrow(
      /KEYWARD_ROLLUP_RETENTION_DAYS is invalid: must be at least KEYWARD_USAGE_RETENTION_DAYS/,
    );
  });
});

describe("gateway settings", () => {
  const gateway = (vars: Record<string, string>) => gatewaySettingsFromEnv(vars as unknown as NodeJS.ProcessEnv);

  it("forward bodies up to 10 MiB and wait 30 s for an upstream unless told otherwise", () => {
    expect(gateway({})).toEqual({ maxBodyBytes: 10 * 1024 * 1024, upstreamTimeoutMs: 30_000 });
    expect(gateway({ KEYWARD_GATEWAY_MAX_BODY_BYTES: "1024", KEYWARD_GATEWAY_TIMEOUT_MS: "" })).toEqual({
      maxBodyBytes: 1024,
      upstreamTimeoutMs: 30_000,
    });
  });

  it("stop startup with one clear line on a value that is not a sensible whole number", () => {
    expect(() => parseStartupEnv({ KEYWARD_GATEWAY_MAX_BODY_BYTES: "10MB" })).toThrow(
      'KEYWARD_GATEWAY_MAX_BODY_BYTES is invalid: must be a whole number of bytes, 0 to 1073741824 (got "10MB")',
    );
    expect(() => parseStartupEnv({ KEYWARD_GATEWAY_TIMEOUT_MS: "5" })).toThrow(
      'KEYWARD_GATEWAY_TIMEOUT_MS is invalid: must be at least 100 milliseconds (got "5")',
    );
  });
});
