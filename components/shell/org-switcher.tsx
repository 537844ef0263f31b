"use client";

import { useRouter } from "next/navigation";

export function OrgSwitcher({ current, orgs }: { current: string; orgs: { slug: string; name: string }[] }) {
  const router = useRouter();
  return (
    <label className="flex items-center gap-2 text-sm">
      <span className="sr-only">Organization</span>
      <select
        aria-label="Organization"
        value={current}
        onChange={(e) => router.push(`/${e.target.value}/tokens`)}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm font-medium shadow-sm focus:outline-none focus:ring-1 focus:ring-indigo-500"
      >
        {orgs.map((o) => (
          <option key={o.slug} value={o.slug}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}
