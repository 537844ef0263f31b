"use client";

import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from "react";

export type MenuItem = { label: string; onSelect: () => void; danger?: boolean };

type MenuPosition = { top: number; right: number; upward: boolean };
const GAP = 4;
const EDGE = 8;

/**
 * Where the menu goes for the button's current box: below it, or above it when there is no room
 * below and more above; right-aligned with the button and kept inside the window.
 */
function placeMenu(button: DOMRect, menuHeight: number): MenuPosition {
  const roomBelow = window.innerHeight - button.bottom - GAP - EDGE;
  const roomAbove = button.top - GAP - EDGE;
  const upward = menuHeight > roomBelow && roomAbove > roomBelow;
  const top = upward ? Math.max(EDGE, button.top - GAP - menuHeight) : button.bottom + GAP;
  return { top, right: Math.max(EDGE, window.innerWidth - button.right), upward };
}

/**
 * A button that opens a menu of actions. The menu is positioned `fixed` so a table's scroll
 * container cannot clip it; it opens upward near the bottom of the window and follows its button
 * when the page or a table scrolls. It closes on selection, Escape, an outside click, or when its
 * button scrolls out of view.
 */
export function DropdownMenu({ label, items, children }: { label: string; items: MenuItem[]; children?: ReactNode }) {
  const [position, setPosition] = useState<MenuPosition | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();
  const open = position !== null;

  // Measured before paint: the first placement assumes the menu fits below, this one knows its height.
  useLayoutEffect(() => {
    if (!open) return;
    const reposition = () => {
      const button = buttonRef.current?.getBoundingClientRect();
      const menu = menuRef.current;
      if (!button || !menu) return;
      if (button.bottom < 0 || button.top > window.innerHeight) return setPosition(null);
      const next = placeMenu(button, menu.offsetHeight);
      setPosition((current) =>
        current && current.top === next.top && current.right === next.right && current.upward === next.upward ? current : next,
      );
    };
    reposition();
    window.addEventListener("resize", reposition);
    window.addEventListener("scroll", reposition, true);
    return () => {
      window.removeEventListener("resize", reposition);
      window.removeEventListener("scroll", reposition, true);
    };
  }, [open]);

  useEffect(() => {
    if (!open) return;
    menuRef.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    const onPointerDown = (event: PointerEvent) => {
      if (!menuRef.current?.contains(event.target as Node) && !buttonRef.current?.contains(event.target as Node)) setPosition(null);
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [open]);

  function toggle() {
    if (open) return setPosition(null);
    setPosition(placeMenu(buttonRef.current!.getBoundingClientRect(), 0));
  }

  function onMenuKeyDown(event: React.KeyboardEvent) {
    const items = [...(menuRef.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === "Escape" || event.key === "Tab") {
      setPosition(null);
      buttonRef.current?.focus();
      if (event.key === "Escape") event.preventDefault();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = (index + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
      items[next]?.focus();
    }
  }

  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={toggle}
        className="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      >
        {children ?? (
          <svg viewBox="0 0 20 20" aria-hidden="true" className="h-5 w-5">
            <circle cx="4" cy="10" r="1.6" fill="currentColor" />
            <circle cx="10" cy="10" r="1.6" fill="currentColor" />
            <circle cx="16" cy="10" r="1.6" fill="currentColor" />
          </svg>
        )}
      </button>
      {open && (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          aria-label={label}
          data-placement={position.upward ? "top" : "bottom"}
          onKeyDown={onMenuKeyDown}
          style={{ position: "fixed", top: position.top, right: position.right }}
          className="z-50 max-h-[calc(100dvh-1rem)] min-w-44 overflow-y-auto rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg"
        >
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              onClick={() => {
                setPosition(null);
                // A dialog opened by the item returns focus here when it closes.
                buttonRef.current?.focus();
                item.onSelect();
              }}
              className={`block w-full px-3 py-1.5 text-left focus:outline-none ${item.danger ? "text-red-700 hover:bg-red-50 focus:bg-red-50" : "text-slate-700 hover:bg-slate-100 focus:bg-slate-100"}`}
            >
              {item.label}
            </button>
          ))}
        </div>
      )}
    </>
  );
}
