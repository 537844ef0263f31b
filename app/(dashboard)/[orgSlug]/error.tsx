"use client";

// Inside the dashboard shell, so the header and navigation stay usable when one page fails.
import { ErrorPanel } from "@/components/shell/error-panel";

export default function PageError({ error, retry }: { error: Error & { digest?: string }; retry: () => void }) {
  return <ErrorPanel digest={error.digest} retry={retry} />;
}
