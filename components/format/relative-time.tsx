import { formatExactUtc, formatReset } from "./format-relative";

// Importable from server and client components alike: the formatters are plain, the label a client component.
export { formatRelative, formatExactUtc, formatReset } from "./format-relative";
export { RelativeTime, RenderedAtProvider } from "./relative-time-label";

/**
 * "resets in 5 hours", with the exact UTC time on hover. Rendered on the server only (the page's
 * `now` is passed in, so the header and the usage section agree).
 */
export function ResetTime({ date, now }: { date: Date | string; now?: Date }) {
  const d = typeof date === "string" ? new Date(date) : date;
  return (
    <time dateTime={d.toISOString()} title={formatExactUtc(d)} data-testid="quota-resets">
      {formatReset(d, now)}
    </time>
  );
}
