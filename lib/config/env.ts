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
      ctx.addIssue({ code: "custom", message: `must be the number of reverse proxies in front of Keyward, 0 (none) to ${MAX_TRUSTED_PROXY_HOPS}` });
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

const startupEnvSchema = z.object({
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
});

const SECRET_SETTINGS = new Set(["KEYWARD_METRICS_TOKEN"]);

export type StartupEnv = z.infer<typeof startupEnvSchema>;

/** Validates the settings `npm start` reads; a bad one is one clear line, not a stack trace. */
export function parseStartupEnv(env: NodeJS.ProcessEnv): StartupEnv {
  const result = startupEnvSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const name = String(issue.path[0]);
    // A URL's credentials (SMTP_URL's password) and secrets never reach the log.
    if (SECRET_SETTINGS.has(name)) throw new ConfigError(`${name} is invalid: ${issue.message}`);
    const shown = String(env[name]).replace(/\/\/[^/@]*@/, "//***@");
    throw new ConfigError(`${issue.path.join(".")} is invalid: ${issue.message} (got "${shown}")`);
  }
  return result.data;
}
