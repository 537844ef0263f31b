const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** "3 minutes ago", "in 2 days": reads after a verb ("expires in 2 days", "used 3 minutes ago"). */
export function formatRelative(date: Date, now = new Date()): string {
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  if (Math.abs(seconds) < 45) return seconds <= 0 ? "just now" : "in a few seconds";
  const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(seconds, "second");
}

/** The exact time, the same on the server and in every browser: "2025-06-01 14:03:07 UTC". */
export function formatExactUtc(date: Date): string {
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

/**
 * When a quota window resets: always ahead ("in 5 hours"). A reset that this clock already
 * passed has happened — the quota is full again — so it reads "now", never "… ago".
 */
export function formatReset(date: Date, now = new Date()): string {
  return date.getTime() <= now.getTime() ? "now" : formatRelative(date, now);
}
