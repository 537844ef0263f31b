"use client";

import { useEffect, useId, useRef, useState } from "react";

const SEARCH_DELAY_MS = 300;

/** A search box that reports its text after the user pauses typing (or presses Enter). */
export function DataTableSearch({
  label,
  value,
  onSearch,
  placeholder,
  shortcut,
}: {
  label: string;
  value: string;
  onSearch: (text: string) => void;
  placeholder?: string;
  /** Set on the page's main search so the `/` shortcut focuses it. */
  shortcut?: "/";
}) {
  const [text, setText] = useState(value);
  const [shownValue, setShownValue] = useState(value);
  // Filters cleared elsewhere (e.g. "Clear filters") empty the box too.
  if (value !== shownValue) {
    setShownValue(value);
    if (value === "") setText("");
  }
  const latest = useRef(onSearch);
  useEffect(() => {
    latest.current = onSearch;
  });
  useEffect(() => {
    if (text.trim() === value) return;
    const timer = setTimeout(() => latest.current(text.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, value]);
  return (
    <input
      type="search"
      aria-label={label}
      placeholder={placeholder ?? label}
      value={text}
      maxLength={200}
      data-shortcut={shortcut}
      aria-keyshortcuts={shortcut}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === "Enter") latest.current(text.trim());
      }}
      className="w-full min-w-0 rounded-md sm:w-64 border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
    />
  );
}

/** A filter as a labelled select; the empty option means "any". */
export function DataTableFilter({
  label,
  value,
  options,
  onChange,
  anyLabel = "Any",
}: {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
  anyLabel?: string;
}) {
  const id = useId();
  return (
    // min-w-0 / max-w-full: a select is as wide as its longest option (a long route); on a phone it
    // shrinks to the row instead of widening the page.
    <div className="flex min-w-0 max-w-full items-center gap-1.5 text-sm text-slate-600">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        className="min-w-0 max-w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 shadow-sm"
      >
        <option value="">{anyLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
