import { z } from "zod";

import { getOrgAccess } from "@/lib/auth/org-access";
import { getCurrentUser } from "@/lib/auth/session";
import { findVisibleTokenName } from "@/lib/db/queries/tokens";
import { tokenRequestsCsv } from "@/lib/db/queries/usage";
import { requestLogParamsSchema } from "@/lib/validations/usage";

// CSV export of a token's request log with the page's filters. Authorized like the token page:
// signed-out visitors go to sign-in; a non-member, another org's token, a malformed id and (for
// members) an admin-only token are the same 404.

const tokenIdSchema = z.uuid();

export async function GET(request: Request, { params }: { params: Promise<{ orgSlug: string; id: string }> }) {
  const { orgSlug, id } = await params;
  if (!(await getCurrentUser())) {
    return new Response(null, {
      status: 303,
      headers: { Location: `/sign-in?callbackUrl=${encodeURIComponent(`/${orgSlug}`)}`, "Cache-Control": "no-store" },
    });
  }
  const access = await getOrgAccess(orgSlug);
  const token = access && tokenIdSchema.safeParse(id).success ? await findVisibleTokenName(access.org.id, access.role, id) : null;
  if (!access || !token)
    return new Response("Not found\n", {
      status: 404,
      headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
    });

  const query = Object.fromEntries(new URL(request.url).searchParams);
  const filters = requestLogParamsSchema.parse(query);
  const lines = tokenRequestsCsv(token.id, filters);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await lines.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  const fileName = `${access.org.slug}-${token.name.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 60)}-requests.csv`;
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${fileName}"`,
      "Cache-Control": "no-store",
    },
  });
}
