"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { Suspense, useEffect, useState } from "react";

// A bar across the top while the next page loads: without it nothing moves for a second on a
// slow page. It starts on a click on a link to another page of this site and ends when the new
// URL has rendered. Pages stream nothing before their data is ready (so a database failure can
// still answer 503 instead of a loading skeleton), which is why this lives in the browser.

/** A navigation that never completes (a link whose click something cancelled) does not leave the bar forever. */
const GIVE_UP_MS = 15_000;

function isPageLink(event: MouseEvent): URL | null {
  // Read in the capture phase, before Next's Link cancels the click to navigate on the client.
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null;
  const anchor = (event.target as Element | null)?.closest?.("a[href]");
  if (!(anchor instanceof HTMLAnchorElement) || (anchor.target && anchor.target !== "_self") || anchor.hasAttribute("download"))
    return null;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin) return null;
  const here = new URL(window.location.href);
  // Same page (an anchor on it): nothing loads.
  if (url.pathname === here.pathname && url.search === here.search) return null;
  return url;
}

function Progress() {
  const here = `${usePathname()}?${useSearchParams().toString()}`;
  // The URL the navigation started from: loading until the current URL is another one.
  const [leaving, setLeaving] = useState<string | null>(null);
  const loading = leaving === here;

  useEffect(() => {
    const from = () => `${window.location.pathname}?${new URLSearchParams(window.location.search).toString()}`;
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    const onClick = (event: MouseEvent) => {
      if (!isPageLink(event)) return;
      setLeaving(from());
      clearTimeout(giveUp);
      giveUp = setTimeout(() => setLeaving(null), GIVE_UP_MS);
    };
    document.addEventListener("click", onClick, true);
    return () => {
      document.removeEventListener("click", onClick, true);
      clearTimeout(giveUp);
    };
  }, []);

  if (!loading) return null;
  return (
    <div role="progressbar" aria-label="Loading the page" className="fixed inset-x-0 top-0 z-50 h-1 overflow-hidden bg-indigo-100">
      <div className="h-full w-1/3 animate-[navigation-progress_1.2s_ease-in-out_infinite] bg-indigo-600" />
    </div>
  );
}

export function NavigationProgress() {
  // useSearchParams needs a Suspense boundary of its own, or the whole layout would wait for it.
  return (
    <Suspense fallback={null}>
      <Progress />
    </Suspense>
  );
}
