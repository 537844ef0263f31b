import Link from "next/link";

/** A titled card listing tokens with a link to each token's page and one detail per row. */
export function TokenListCard({
  title,
  description,
  total,
  items,
  empty,
  orgSlug,
}: {
  title: string;
  description?: string;
  /** All matching tokens, when more exist than are listed. */
  total?: number;
  items: { id: string; name: string; detail: React.ReactNode }[];
  empty: string;
  orgSlug: string;
}) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4" aria-label={title}>
      <div className="mb-2 flex items-baseline justify-between gap-2">
        <h2 className="text-sm font-medium text-slate-900">{title}</h2>
        {total !== undefined && <span className="text-sm tabular-nums text-slate-600">{total.toLocaleString("en")}</span>}
      </div>
      {description && <p className="mb-2 text-xs text-slate-500">{description}</p>}
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">{empty}</p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm">
          {items.map((item) => (
            <li key={item.id} className="flex items-baseline justify-between gap-3 py-1.5">
              <Link href={`/${orgSlug}/tokens/${item.id}`} className="truncate text-indigo-700 hover:underline">
                {item.name}
              </Link>
              <span className="shrink-0 text-xs text-slate-600">{item.detail}</span>
            </li>
          ))}
        </ul>
      )}
      {total !== undefined && total > items.length && (
        <p className="mt-2 text-xs text-slate-500">
          Showing {items.length} of {total.toLocaleString("en")}.
        </p>
      )}
    </section>
  );
}
