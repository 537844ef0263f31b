import { z } from "zod";

import { MAX_TRUSTED_PROXY_HOPS, parseTrustedProxyHops } from "../server/trusted-proxy";
import { ConfigError } from "./secrets";

const flag = (fallback: boolean) =>
  z
    .enum(["0", "1", "true", "false", "yes", "no", ""])
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : ["1", "true", "yes"].includes(v)));

// How many reverse proxies sit in front (0: clients connect directly). A wrong count is a security
// hole (clients could choose their own address), so anything but a small whole number stops startup.
const trustedProxyHops = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const hops = parseTrustedProxyHops(raw);
    if (hops === null) {
      ctx.addIssue({
        code: "custom",
        message: `must be the number of reverse proxies in front of Keyward, 0 (none) to ${MAX_TRUSTED_PROXY_HOPS}`,
      });
      return z.NEVER;
    }
    return hops;
  });

// Unset or empty means "not configured".
function optionalUrl(pattern: RegExp, message: string) {
  return z
    .string()
    .trim()
    .optional()
    .refine((v) => !v || (pattern.test(v) && URL.canParse(v)), message);
}

// How long usage is kept: raw events (the request log) and the hourly/daily rollups (charts, last
// use, scopes used). The grace-traffic view reads raw events of values replaced up to 7 days ago,
// and the rolling 30-day totals subtract days from the daily rollups, hence the floors.
export const DEFAULT_USAGE_RETENTION_DAYS = 30;
export const DEFAULT_ROLLUP_RETENTION_DAYS = 400;
const MIN_USAGE_RETENTION_DAYS = 7;
const MIN_ROLLUP_RETENTION_DAYS = 90;
const MAX_RETENTION_DAYS = 3_650;

const retentionDays = (fallback: number, min: number) =>
  z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce
      .number({ message: `must be a whole number of days, ${min} to ${MAX_RETENTION_DAYS}` })
      .int(`must be a whole number of days, ${min} to ${MAX_RETENTION_DAYS}`)
      .min(min, `must be at least ${min} days`)
      .max(MAX_RETENTION_DAYS, `must be at most ${MAX_RETENTION_DAYS} days`)
      .default(fallback),
  );

const usageRetentionFields = {
  KEYWARD_USAGE_RETENTION_DAYS: retentionDays(DEFAULT_USAGE_RETENTION_DAYS, MIN_USAGE_RETENTION_DAYS),
  KEYWARD_ROLLUP_RETENTION_DAYS: retentionDays(DEFAULT_ROLLUP_RETENTION_DAYS, MIN_ROLLUP_RETENTION_DAYS),
};

const rollupsOutliveEvents = (env: { KEYWARD_USAGE_RETENTION_DAYS: number; KEYWARD_ROLLUP_RETENTION_DAYS: number }) =>
  env.KEYWARD_ROLLUP_RETENTION_DAYS >= env.KEYWARD_USAGE_RETENTION_DAYS;
const ROLLUPS_OUTLIVE_EVENTS = {
  message: "must be at least KEYWARD_USAGE_RETENTION_DAYS (charts are drawn from the rollups)",
  path: ["KEYWARD_ROLLUP_RETENTION_DAYS"],
};

const usageRetentionSchema = z.object(usageRetentionFields).refine(rollupsOutliveEvents, ROLLUPS_OUTLIVE_EVENTS);

export type UsageRetention = { usageDays: number; rollupDays: number };

/**
 * The usage retention settings (validated at start-up by parseStartupEnv; the dashboard and the
 * retention job read them again from the same environment).
 */
export function usageRetentionFromEnv(env: NodeJS.ProcessEnv): UsageRetention {
  const result = usageRetentionSchema.safeParse(env);
  if (!result.success) throw configErrorFrom(result.error, env);
  return { usageDays: result.data.KEYWARD_USAGE_RETENTION_DAYS, rollupDays: result.data.KEYWARD_ROLLUP_RETENTION_DAYS };
}

// The gateway (/gw/<service>/…): the largest request body it forwards and how long an upstream
// may stay silent before the caller gets a 504.
export const DEFAULT_GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_GATEWAY_TIMEOUT_MS = 30_000;

const wholeNumber = (fallback: number, min: number, max: number, unit: string) =>
  z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.coerce
      .number({ message: `must be a whole number of ${unit}, ${min} to ${max}` })
      .int(`must be a whole number of ${unit}, ${min} to ${max}`)
      .min(min, `must be at least ${min} ${unit}`)
      .max(max, `must be at most ${max} ${unit}`)
      .default(fallback),
  );

const gatewayFields = {
  KEYWARD_GATEWAY_MAX_BODY_BYTES: wholeNumber(DEFAULT_GATEWAY_MAX_BODY_BYTES, 0, 1024 * 1024 * 1024, "bytes"),
  KEYWARD_GATEWAY_TIMEOUT_MS: wholeNumber(DEFAULT_GATEWAY_TIMEOUT_MS, 100, 600_000, "milliseconds"),
};

export type GatewaySettings = { maxBodyBytes: number; upstreamTimeoutMs: number };

/** The gateway's limits (validated at start-up by parseStartupEnv, read again by the server). */
export function gatewaySettingsFromEnv(env: NodeJS.ProcessEnv): GatewaySettings {
  const result = z.object(gatewayFields).safeParse(env);
  if (!result.success) throw configErrorFrom(result.error, env);
  return { maxBodyBytes: result.data.KEYWARD_GATEWAY_MAX_BODY_BYTES, upstreamTimeoutMs: result.data.KEYWARD_GATEWAY_TIMEOUT_MS };
}

const startupEnvSchema = z
  .object({
    ...usageRetentionFields,
    ...gatewayFields,
    PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
    HOST: z.string().trim().min(1).default("0.0.0.0"),
    DATABASE_URL: z.string().optional(),
    KEYWARD_DATA_DIR: z.string().trim().min(1).default("./data"),
    KEYWARD_DEMO: flag(true),
    TRUST_PROXY: trustedProxyHops,
    SMTP_URL: optionalUrl(/^smtps?:\/\/[^/]/, "must look like smtp://host:port or smtps://user:pass@host:465"),
    KEYWARD_PUBLIC_URL: optionalUrl(/^https?:\/\/[^/]/, "must be an http(s) URL such as https://keyward.example.com"),
    AUTH_GITHUB_URL: optionalUrl(/^https?:\/\/[^/]/, "must be an http(s) URL such as https://github.com"),
    AUTH_GITHUB_API_URL: optionalUrl(/^https?:\/\/[^/]/, "must be an http(s) URL such as https://api.github.com"),
    // Guessable secrets would expose the metrics; unset or empty turns GET /metrics off (404).
    KEYWARD_METRICS_TOKEN: z
      .string()
      .trim()
      .optional()
      .transform((v) => v || undefined)
      .refine((v) => v === undefined || v.length >= 16, "must be at least 16 characters (for example: openssl rand -hex 32)"),
  })
  .refine(rollupsOutliveEvents, ROLLUPS_OUTLIVE_EVENTS);

const SECRET_SETTINGS = new Set(["KEYWARD_METRICS_TOKEN"]);

export type StartupEnv = z.infer<typeof startupEnvSchema>;

/** Validates the settings `npm start` reads; a bad one is one clear line, not a stack trace. */
export function parseStartupEnv(env: NodeJS.ProcessEnv): StartupEnv {
  const result = startupEnvSchema.safeParse(env);
  if (!result.success) throw configErrorFrom(result.error, env);
  return result.data;
}

function configErrorFrom(error: z.ZodError, env: NodeJS.ProcessEnv): ConfigError {
  const issue = error.issues[0];
  const name = String(issue.path[0]);
  // A URL's credentials (SMTP_URL's password) and secrets never reach the log.
  if (SECRET_SETTINGS.has(name)) return new ConfigError(`${name} is invalid: ${issue.message}`);
  const shown = String(env[name]).replace(/\/\/[^/@]*@/, "//***@");
  return new ConfigError(`${issue.path.join(".")} is invalid: ${issue.message} (got "${shown}")`);
}
