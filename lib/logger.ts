// One structured logger for the server, the API and the dashboard's server code: JSON lines on
// stdout (pino), which log collectors parse without rules. A log line never holds a secret:
// credentials are never passed to it, and headers or fields that carry them are redacted anyway
// in case a whole request or error object is logged.
import pino, { type Logger } from "pino";

export const REDACTED_PATHS = [
  "authorization",
  "cookie",
  "password",
  "secret",
  "token",
  "*.authorization",
  "*.cookie",
  "*.password",
  "*.secret",
  "*.token",
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
];

type LineSink = (line: string) => void;
const toStdout: LineSink = (line) => void process.stdout.write(line);
let sink: LineSink = toStdout;

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const configuredLevel = process.env.KEYWARD_LOG_LEVEL?.trim().toLowerCase();
const level = LEVELS.find((each) => each === configuredLevel) ?? "info";

export const logger: Logger = pino(
  {
    level,
    base: { service: "keyward" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    // Written through `sink`, so tests can read the lines a user's operator would see.
    // (Synchronous: a line is on stdout before the next statement, even when the process exits.)
  },
  { write: (line: string) => sink(line) },
);

/** Test helper: collects the log lines (parsed) until the returned `stop()` is called. */
export function captureLogLines(): { lines: Record<string, unknown>[]; stop(): void } {
  const lines: Record<string, unknown>[] = [];
  sink = (line) => void lines.push(JSON.parse(line) as Record<string, unknown>);
  return { lines, stop: () => void (sink = toStdout) };
}
