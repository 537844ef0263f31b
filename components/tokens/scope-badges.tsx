import { Badge } from "@/components/ui/badge";
import { SCOPES, type Scope } from "@/lib/tokens";

const DESCRIPTIONS = new Map(SCOPES.map((s) => [s.name, s.description]));

export function ScopeBadges({ scopes }: { scopes: readonly Scope[] }) {
  if (scopes.length === 0) return <span className="text-xs text-slate-400">No scopes</span>;
  return (
    <ul className="flex max-w-xs flex-wrap gap-1" aria-label="Scopes">
      {scopes.map((scope) => (
        <li key={scope}>
          <Badge tone={scope.includes(":") ? "sky" : "indigo"} title={DESCRIPTIONS.get(scope)} className="font-mono">
            {scope}
          </Badge>
        </li>
      ))}
    </ul>
  );
}
