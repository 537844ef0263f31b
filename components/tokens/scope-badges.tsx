import { Badge } from "@/components/ui/badge";
import { SCOPES, type Scope } from "@/lib/tokens";

const DESCRIPTIONS = new Map(SCOPES.map((s) => [s.name, s.description]));

/** Keyward's scopes, then the org's services' ("<slug>/<scope>"): a token holding only the latter has scopes too. */
export function ScopeBadges({ scopes, serviceScopes = [] }: { scopes: readonly Scope[]; serviceScopes?: readonly string[] }) {
  if (scopes.length === 0 && serviceScopes.length === 0) return <span className="text-xs text-slate-500">No scopes</span>;
  return (
    <ul className="flex max-w-xs flex-wrap gap-1" aria-label="Scopes">
      {scopes.map((scope) => (
        <li key={scope}>
          <Badge tone={scope.includes(":") ? "sky" : "indigo"} title={DESCRIPTIONS.get(scope)} className="font-mono">
            {scope}
          </Badge>
        </li>
      ))}
      {serviceScopes.map((scope) => (
        <li key={scope}>
          <Badge tone="gray" title="A scope of one of the organization's services" className="font-mono">
            {scope}
          </Badge>
        </li>
      ))}
    </ul>
  );
}
