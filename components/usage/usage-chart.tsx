import type { UsageBucket } from "@/lib/db/queries/usage";
import { OUTCOMES } from "@/lib/domain/usage/outcomes";

import { OUTCOME_STYLE } from "./outcome-style";

// A stacked bar chart drawn on the server as SVG: no chart library, no client JavaScript.
// Each bar's <title> shows its numbers on hover; a visually hidden table carries the same
// data for screen readers.

const WIDTH = 720;
const HEIGHT = 180;
const PLOT_TOP = 8;
const PLOT_BOTTOM = HEIGHT - 22;
const PLOT_LEFT = 44;

const formatCount = (n: number) => n.toLocaleString("en");

function bucketLabel(start: Date, granularity: "hour" | "day"): string {
  const iso = start.toISOString();
  return granularity === "hour" ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso.slice(0, 10);
}

function axisLabel(start: Date, granularity: "hour" | "day"): string {
  const iso = start.toISOString();
  return granularity === "hour" ? iso.slice(11, 16) : iso.slice(5, 10);
}

/** A round number at or above the largest bar, so the axis reads well. */
function niceMax(value: number): number {
  if (value <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

export function UsageChart({ title, buckets, granularity }: { title: string; buckets: UsageBucket[]; granularity: "hour" | "day" }) {
  const total = buckets.reduce((sum, bucket) => sum + bucket.requests, 0);
  const max = niceMax(Math.max(0, ...buckets.map((bucket) => bucket.requests)));
  const slot = (WIDTH - PLOT_LEFT) / buckets.length;
  const barWidth = Math.max(2, slot * 0.72);
  const scale = (n: number) => ((PLOT_BOTTOM - PLOT_TOP) * n) / max;
  const labelEvery = granularity === "hour" ? 6 : 5;
  const summary = `${title}: ${formatCount(total)} request${total === 1 ? "" : "s"}`;

  // relative + overflow-hidden: the screen-reader table (sr-only ignores a table's width) cannot widen a phone page.
  return (
    <figure className="relative overflow-hidden rounded-lg border border-slate-200 bg-white p-4">
      <figcaption className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <span className="text-sm font-medium text-slate-900">{title}</span>
        <span className="text-sm tabular-nums text-slate-600">
          {formatCount(total)} request{total === 1 ? "" : "s"}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} className="h-auto w-full">
        <line x1={PLOT_LEFT} x2={WIDTH} y1={PLOT_BOTTOM} y2={PLOT_BOTTOM} className="stroke-slate-300" />
        <line x1={PLOT_LEFT} x2={WIDTH} y1={PLOT_TOP} y2={PLOT_TOP} className="stroke-slate-100" />
        <text x={PLOT_LEFT - 6} y={PLOT_TOP + 4} textAnchor="end" className="fill-slate-500 text-[11px]">
          {formatCount(max)}
        </text>
        <text x={PLOT_LEFT - 6} y={PLOT_BOTTOM} textAnchor="end" className="fill-slate-500 text-[11px]">
          0
        </text>
        {buckets.map((bucket, index) => {
          const x = PLOT_LEFT + index * slot + (slot - barWidth) / 2;
          let y = PLOT_BOTTOM;
          const parts = OUTCOMES.filter((outcome) => bucket[outcome] > 0).map(
            (outcome) => `${formatCount(bucket[outcome])} ${OUTCOME_STYLE[outcome].short}`,
          );
          return (
            <g key={bucket.start.getTime()} data-requests={bucket.requests}>
              <title>{`${bucketLabel(bucket.start, granularity)}: ${formatCount(bucket.requests)} requests${parts.length ? ` (${parts.join(", ")})` : ""}`}</title>
              {/* A transparent full-height target, so empty buckets show their tooltip too. */}
              <rect x={PLOT_LEFT + index * slot} y={PLOT_TOP} width={slot} height={PLOT_BOTTOM - PLOT_TOP} className="fill-transparent" />
              {OUTCOMES.map((outcome) => {
                const height = scale(bucket[outcome]);
                if (height <= 0) return null;
                y -= height;
                return <rect key={outcome} x={x} y={y} width={barWidth} height={height} className={OUTCOME_STYLE[outcome].fill} />;
              })}
              {index % labelEvery === 0 && (
                <text x={x + barWidth / 2} y={HEIGHT - 6} textAnchor="middle" className="fill-slate-500 text-[11px]">
                  {axisLabel(bucket.start, granularity)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <ChartLegend />
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{granularity === "hour" ? "Hour (UTC)" : "Day (UTC)"}</th>
            <th scope="col">Requests</th>
            {OUTCOMES.map((outcome) => (
              <th key={outcome} scope="col">
                {OUTCOME_STYLE[outcome].short}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {buckets
            .filter((bucket) => bucket.requests > 0)
            .map((bucket) => (
              <tr key={bucket.start.getTime()}>
                <th scope="row">{bucketLabel(bucket.start, granularity)}</th>
                <td>{bucket.requests}</td>
                {OUTCOMES.map((outcome) => (
                  <td key={outcome}>{bucket[outcome]}</td>
                ))}
              </tr>
            ))}
        </tbody>
      </table>
    </figure>
  );
}

export function ChartLegend() {
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-hidden="true">
      {OUTCOMES.map((outcome) => (
        <li key={outcome} className="flex items-center gap-1.5">
          <span className={`inline-block h-2.5 w-2.5 rounded-sm ${OUTCOME_STYLE[outcome].swatch}`} />
          {OUTCOME_STYLE[outcome].short}
        </li>
      ))}
    </ul>
  );
}
