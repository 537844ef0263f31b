"use client";

import type { PaginationState, SortingState } from "@tanstack/react-table";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useTransition } from "react";

/**
 * Table state lives in the URL (shareable, survives reloads, read by the server page that
 * queries the database and validates it). Changing it navigates; `pending` is true until the
 * new page arrives. Current values come from the server's parsed params, not from here.
 */
export function useUrlTableState({ defaultPageSize }: { defaultPageSize: number }) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [pending, startTransition] = useTransition();

  // The query most recently asked for: a second change made before the first navigation has
  // landed (e.g. "Clear filters", then a filter) must build on it, not on the stale URL.
  const requested = useRef<string | null>(null);
  useEffect(() => {
    if (requested.current === searchParams.toString()) requested.current = null;
  }, [searchParams]);

  const setParams = useCallback(
    (patch: Record<string, string | null>, { resetPage = true } = {}) => {
      const next = new URLSearchParams(requested.current ?? searchParams.toString());
      for (const [key, value] of Object.entries(patch)) {
        if (value === null || value === "") next.delete(key);
        else next.set(key, value);
      }
      if (resetPage && !("page" in patch)) next.delete("page");
      const query = next.toString();
      requested.current = query;
      startTransition(() => router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false }));
    },
    [pathname, router, searchParams],
  );

  const setSorting = (next: SortingState) => {
    const sort = next[0];
    setParams(sort ? { sort: sort.id, dir: sort.desc ? "desc" : "asc" } : { sort: null, dir: null });
  };

  const setPagination = (next: PaginationState) => {
    setParams(
      {
        page: next.pageIndex > 0 ? String(next.pageIndex + 1) : null,
        size: next.pageSize === defaultPageSize ? null : String(next.pageSize),
      },
      { resetPage: false },
    );
  };

  return { setParams, setSorting, setPagination, pending };
}
