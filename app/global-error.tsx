"use client";

import "./globals.css";

import { ErrorPanel } from "@/components/shell/error-panel";

// Replaces the root layout when the layout itself fails, so it brings its own document.
export default function GlobalError({ error, retry }: { error: Error & { digest?: string }; retry: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <ErrorPanel digest={error.digest} retry={retry} />
      </body>
    </html>
  );
}
