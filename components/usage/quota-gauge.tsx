import { ResetTime } from "@/components/format/relative-time";
import type { QuotaNow, QuotaWindow } from "@/lib/domain/tokens/quota";

const WINDOW_NAMES: Record<QuotaWindow, string> = { HOURLY: "hourly", DAILY: "daily", MONTHLY: "monthly" };

/** Remaining quota as a half-circle gauge, with when the window resets. */
export function QuotaGauge({ remaining, max, window, resetsAt, now = new Date() }: QuotaNow & { now?: Date }) {
  const fraction = max > 0 ? Math.min(1, Math.max(0, remaining / max)) : 0;
  const tone = fraction > 0.25 ? "stroke-emerald-500" : fraction > 0.1 ? "stroke-amber-500" : "stroke-rose-500";
  // A half circle of radius 80: its length is π·80; the coloured arc covers `fraction` of it.
  const length = Math.PI * 80;
  return (
    <div className="flex flex-col items-center" data-testid="quota-gauge">
      <svg
        viewBox="0 0 200 112"
        className="w-48"
        role="meter"
        aria-label="Quota remaining"
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={remaining}
        aria-valuetext={`${remaining.toLocaleString("en")} of ${max.toLocaleString("en")} requests left`}
      >
        <path d="M 20 100 A 80 80 0 0 1 180 100" fill="none" strokeWidth="18" strokeLinecap="round" className="stroke-slate-100" />
        {fraction > 0 && (
          <path
            d="M 20 100 A 80 80 0 0 1 180 100"
            fill="none"
            strokeWidth="18"
            strokeLinecap="round"
            strokeDasharray={`${fraction * length} ${length}`}
            className={tone}
          />
        )}
        <text x="100" y="88" textAnchor="middle" className="fill-slate-900 text-[26px] font-semibold tabular-nums">
          {Math.round(fraction * 100)}%
        </text>
      </svg>
      <p className="text-sm tabular-nums text-slate-700" data-testid="quota-remaining">
        <span className="font-semibold">{remaining.toLocaleString("en")}</span> of {max.toLocaleString("en")} left
      </p>
      <p className="text-xs text-slate-500">
        {WINDOW_NAMES[window]} quota · resets <ResetTime date={resetsAt} now={now} />
      </p>
    </div>
  );
}
