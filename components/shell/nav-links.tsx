"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export function NavLinks({ links, vertical = false }: { links: { href: string; label: string }[]; vertical?: boolean }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className={vertical ? "flex flex-col gap-1" : "flex flex-wrap gap-1"}>
      {links.map((link) => {
        const active = pathname === link.href || pathname.startsWith(`${link.href}/`);
        return (
          <Link
            key={link.href}
            href={link.href}
            aria-current={active ? "page" : undefined}
            className={`rounded-md px-3 py-1.5 text-sm font-medium ${active ? "bg-slate-900 text-white" : "text-slate-700 hover:bg-slate-100 hover:text-slate-900"}`}
          >
            {link.label}
          </Link>
        );
      })}
    </nav>
  );
}
