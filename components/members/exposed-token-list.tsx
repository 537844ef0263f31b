import { RelativeTime } from "@/components/format/relative-time";
import { Badge } from "@/components/ui/badge";

export type ExposedTokenItem = { id: string; name: string; visibility: "ADMIN_ONLY" | "ORGANIZATION"; lastSeenAt: Date | string };

export function ExposedTokenList({ tokens }: { tokens: ExposedTokenItem[] }) {
  return (
    <ul className="divide-y divide-slate-100 rounded-md border border-slate-200 text-sm">
      {tokens.map((t) => (
        <li key={t.id} className="flex flex-wrap items-center justify-between gap-2 px-3 py-2">
          <span className="font-medium">{t.name}</span>
          <span className="flex items-center gap-2 text-xs text-slate-500">
            <Badge tone={t.visibility === "ADMIN_ONLY" ? "amber" : "sky"}>
              {t.visibility === "ADMIN_ONLY" ? "Admin only" : "Organization"}
            </Badge>
            seen <RelativeTime date={t.lastSeenAt} />
          </span>
        </li>
      ))}
    </ul>
  );
}
