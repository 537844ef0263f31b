"use client";

import { createContext, useContext, useSyncExternalStore } from "react";

import { formatExactUtc, formatRelative } from "./format-relative";

/**
 * The moment the server rendered the page. Relative labels are computed from it while the page
 * hydrates, so the browser's first render matches the server's HTML (React error #418 otherwise),
 * and from the browser's clock afterwards.
 */
const RenderedAtContext = createContext<number | null>(null);

export function RenderedAtProvider({ at, children }: { at: number; children: React.ReactNode }) {
  return <RenderedAtContext value={at}>{children}</RenderedAtContext>;
}

const TICK_MS = 30_000;
const subscribeToClock = (onChange: () => void) => {
  const timer = setInterval(onChange, TICK_MS);
  return () => clearInterval(timer);
};
// Rounded so that successive reads within one tick agree, as useSyncExternalStore requires; up,
// not down, so something that happened a moment ago never reads as "in a few seconds".
const clockNow = () => Math.ceil(Date.now() / TICK_MS) * TICK_MS;

/** "3 minutes ago", with the exact UTC time on hover. */
export function RelativeTime({ date, fallback = "Never" }: { date: Date | string | null | undefined; fallback?: string }) {
  const renderedAt = useContext(RenderedAtContext);
  const now = useSyncExternalStore(subscribeToClock, clockNow, () => renderedAt);
  if (!date) return <span className="text-slate-600">{fallback}</span>;
  const d = typeof date === "string" ? new Date(date) : date;
  const exact = formatExactUtc(d);
  return (
    <time dateTime={d.toISOString()} title={exact}>
      {now === null ? exact : formatRelative(d, new Date(now))}
    </time>
  );
}
