const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

export function formatRelative(date: Date, now = new Date()): string {
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  if (Math.abs(seconds) < 45) return seconds <= 0 ? "just now" : "in a few seconds";
  const rtf = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(seconds, "second");
}

/** "3 minutes ago", with the exact UTC time on hover. */
export function RelativeTime({ date, fallback = "Never" }: { date: Date | string | null | undefined; fallback?: string }) {
  if (!date) return <span className="text-slate-400">{fallback}</span>;
  const d = typeof date === "string" ? new Date(date) : date;
  const exact = d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  return (
    <time dateTime={d.toISOString()} title={exact}>
      {formatRelative(d)}
    </time>
  );
}

/**
 * When a quota window resets: always ahead ("in 5 hours"). A reset that this clock already
 * passed has happened — the quota is full again — so it reads "now", never "… ago".
 */
export function formatReset(date: Date, now = new Date()): string {
  return date.getTime() <= now.getTime() ? "now" : formatRelative(date, now);
}

/** "resets in 5 hours", with the exact UTC time on hover. */
export function ResetTime({ date, now }: { date: Date | string; now?: Date }) {
  const d = typeof date === "string" ? new Date(date) : date;
  const exact = d.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  return (
    <time dateTime={d.toISOString()} title={exact} data-testid="quota-resets">
      {formatReset(d, now)}
    </time>
  );
}
