"use client";

import { Button } from "@/components/ui/button";

/**
 * What a person sees when a page fails on the server: no stack trace (production sends only a
 * digest), a way to try again, and the digest to quote to the operator, who finds it in the log.
 */
export function ErrorPanel({ digest, retry }: { digest?: string; retry: () => void }) {
  return (
    <main role="alert" className="mx-auto flex min-h-[50vh] max-w-md flex-col items-center justify-center gap-3 text-center">
      <h1 className="text-2xl font-semibold">This page could not be loaded</h1>
      <p className="text-slate-600">
        Keyward could not finish this request, for instance because its database is busy or out of reach. Each change is saved whole or not
        at all, so reload to see where things stand.
      </p>
      <Button onClick={() => retry()}>Try again</Button>
      {digest ? <p className="text-xs text-slate-500">Reference for your administrator: {digest}</p> : null}
    </main>
  );
}
