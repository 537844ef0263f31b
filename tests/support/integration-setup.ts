import { vi } from "vitest";

import { testRequest } from "./request-as";

// Server actions run as in production except for the two things only a browser request
// provides: the session cookie (next-auth's auth()) and the request headers.
vi.mock("@/lib/auth/next-auth", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/auth/next-auth")>();
  return { ...original, auth: async () => (testRequest.sessionId ? { sid: testRequest.sessionId, expires: "" } : null) };
});

vi.mock("next/headers", () => ({
  headers: async () => testRequest.headers,
  cookies: async () => ({ get: () => undefined, getAll: () => [], set: () => {}, delete: () => {}, has: () => false }),
}));

// Cache revalidation needs Next's request store; outside a server it is a no-op.
vi.mock("next/cache", () => ({ revalidatePath: () => {}, revalidateTag: () => {}, updateTag: () => {}, refresh: () => {} }));
