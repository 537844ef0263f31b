import { NextRequest } from "next/server";

import type { handlers as AuthjsHandlers } from "@/lib/auth/next-auth";

/** A cookie jar for the requests a browser would make to Auth.js's own route handlers (/api/auth/*). */
export class AuthjsBrowser {
  cookies = new Map<string, string>();
  constructor(
    private readonly handlers: typeof AuthjsHandlers,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}
  absorb(response: Response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  async request(url: string, init: { method?: string; body?: URLSearchParams; cookie?: string } = {}) {
    const method = init.method ?? "GET";
    const request = new NextRequest(url, {
      method,
      body: init.body,
      headers: {
        ...this.extraHeaders,
        cookie: init.cookie ?? this.header(),
        ...(init.body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
    });
    const response = await (method === "POST" ? this.handlers.POST : this.handlers.GET)(request);
    this.absorb(response);
    return response;
  }
  async csrfToken(origin: string): Promise<string> {
    return ((await (await this.request(`${origin}/api/auth/csrf`)).json()) as { csrfToken: string }).csrfToken;
  }
}
