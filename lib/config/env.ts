import { z } from "zod";
import { ConfigError } from "./secrets";

const flag = (fallback: boolean) =>
  z
    .enum(["0", "1", "true", "false", "yes", "no", ""])
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : ["1", "true", "yes"].includes(v)));

const startupEnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  DATABASE_URL: z.string().optional(),
  KEYWARD_DATA_DIR: z.string().trim().min(1).default("./data"),
  KEYWARD_DEMO: flag(true),
  TRUST_PROXY: flag(false),
});

export type StartupEnv = z.infer<typeof startupEnvSchema>;

/** Validates the settings `npm start` reads; a bad one is one clear line, not a stack trace. */
export function parseStartupEnv(env: NodeJS.ProcessEnv): StartupEnv {
  const result = startupEnvSchema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`${issue.path.join(".")} is invalid: ${issue.message} (got "${env[String(issue.path[0])]}")`);
  }
  return result.data;
}
