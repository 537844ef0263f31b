"use client";

import { ErrorPanel } from "@/components/shell/error-panel";

export default function PageError({ error, retry }: { error: Error & { digest?: string }; retry: () => void }) {
  return <ErrorPanel digest={error.digest} retry={retry} />;
}
