import type { BadgeTone } from "@/components/ui/badge";
import type { Outcome } from "@/lib/domain/usage/outcomes";

/** Stacking order (bottom first) and colours of the outcome classes in charts, legends and badges. */
export const OUTCOME_STYLE: Record<Outcome, { fill: string; swatch: string; short: string; tone: BadgeTone }> = {
  success: { fill: "fill-emerald-500", swatch: "bg-emerald-500", short: "Success", tone: "green" },
  clientErrors: { fill: "fill-amber-400", swatch: "bg-amber-400", short: "Other 4xx", tone: "amber" },
  authErrors: { fill: "fill-rose-500", swatch: "bg-rose-500", short: "401/403", tone: "red" },
  rateLimited: { fill: "fill-violet-500", swatch: "bg-violet-500", short: "429", tone: "indigo" },
  serverErrors: { fill: "fill-slate-600", swatch: "bg-slate-600", short: "5xx", tone: "gray" },
};
