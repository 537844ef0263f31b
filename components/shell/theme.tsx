"use client";

import { useSyncExternalStore } from "react";

export const THEME_STORAGE_KEY = "keyward-theme";
type ThemeChoice = "system" | "light" | "dark";

/**
 * Runs in <head> before the first paint, so a saved dark choice never flashes light. It also
 * re-applies the system setting when that changes while no choice is saved.
 */
export const THEME_SCRIPT = `(function(){var k=${JSON.stringify(THEME_STORAGE_KEY)},q=matchMedia("(prefers-color-scheme: dark)");function a(){var t=null;try{t=localStorage.getItem(k)}catch(e){}document.documentElement.classList.toggle("dark",t==="dark"||(t!=="light"&&q.matches))}a();q.addEventListener("change",a);window.addEventListener("storage",function(e){if(e.key===k)a()});window.__keywardApplyTheme=a})()`;

const listeners = new Set<() => void>();
function readChoice(): ThemeChoice {
  try {
    const saved = localStorage.getItem(THEME_STORAGE_KEY);
    return saved === "light" || saved === "dark" ? saved : "system";
  } catch {
    return "system";
  }
}
function subscribe(onChange: () => void) {
  listeners.add(onChange);
  window.addEventListener("storage", onChange);
  return () => {
    listeners.delete(onChange);
    window.removeEventListener("storage", onChange);
  };
}

/** Light, dark or the system's setting; remembered in this browser. */
export function ThemeSelect({ className = "" }: { className?: string }) {
  // The server cannot know the saved choice: it renders "system" and the browser corrects it after hydration.
  const choice = useSyncExternalStore(subscribe, readChoice, () => "system" as const);
  function choose(next: ThemeChoice) {
    try {
      if (next === "system") localStorage.removeItem(THEME_STORAGE_KEY);
      else localStorage.setItem(THEME_STORAGE_KEY, next);
    } catch {
      // Storage blocked: the choice lasts for this page only.
      document.documentElement.classList.toggle("dark", next === "dark");
    }
    (window as { __keywardApplyTheme?: () => void }).__keywardApplyTheme?.();
    listeners.forEach((listener) => listener());
  }
  return (
    <label className={`flex items-center gap-1.5 text-sm text-slate-600 ${className}`}>
      Theme
      <select
        value={choice}
        onChange={(e) => choose(e.target.value as ThemeChoice)}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm text-slate-900 shadow-sm"
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
