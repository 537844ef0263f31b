import type { Metadata } from "next";

import { THEME_SCRIPT } from "@/components/shell/theme";

import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Keyward", template: "%s · Keyward" },
  description: "API tokens for your organization: issued, scoped, rotated and audited.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    // The theme script sets the "dark" class before React hydrates, so <html>'s class differs by design.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
