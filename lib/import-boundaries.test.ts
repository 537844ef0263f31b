import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

// The import boundaries of eslint.config.mjs, exercised with the real config: each fixture is
// linted as if it were a file at `path`, so a rule that stops matching (a typo in a pattern, a
// moved folder) fails here rather than letting a violation into the build.

const root = fileURLToPath(new URL("..", import.meta.url));
const RULE = "no-restricted-imports";

type Fixture = { path: string; code: string };

const VIOLATIONS: (Fixture & { why: string })[] = [
  {
    why: "a component importing the Prisma client",
    path: "components/tokens/fixture.tsx",
    code: `import { db } from "@/lib/db/client";\nexport const x = db;\n`,
  },
  {
    why: "a component importing a query module as a value",
    path: "components/usage/fixture.tsx",
    code: `import { getTokenUsage } from "@/lib/db/queries/usage";\nexport const x = getTokenUsage;\n`,
  },
  {
    why: "a component reaching lib/db by a relative path",
    path: "components/tokens/fixture.tsx",
    code: `import { db } from "../../lib/db/client";\nexport const x = db;\n`,
  },
  {
    why: "the domain importing Next.js",
    path: "lib/domain/tokens/fixture.ts",
    code: `import { notFound } from "next/navigation";\nexport const x = notFound;\n`,
  },
  {
    why: "the domain importing React",
    path: "lib/domain/tokens/fixture.ts",
    code: `import { useState } from "react";\nexport const x = useState;\n`,
  },
  {
    why: "the domain importing Prisma",
    path: "lib/domain/tokens/fixture.ts",
    code: `import type { PrismaClient } from "@prisma/client";\nexport type X = PrismaClient;\n`,
  },
  {
    why: "the domain importing lib/db",
    path: "lib/domain/tokens/fixture.ts",
    code: `import { db } from "../../db/client";\nexport const x = db;\n`,
  },
  {
    why: "the domain importing lib/auth (even a type)",
    path: "lib/domain/members/fixture.ts",
    code: `import type { OrgRole } from "@/lib/auth/permissions";\nexport type X = OrgRole;\n`,
  },
  {
    why: "the domain importing lib/api",
    path: "lib/domain/tokens/fixture.ts",
    code: `import { createApiHandler } from "@/lib/api/handler";\nexport const x = createApiHandler;\n`,
  },
  {
    why: "the domain importing lib/actions",
    path: "lib/domain/tokens/fixture.ts",
    code: `import { x } from "../../actions/tokens";\nexport const y = x;\n`,
  },
  {
    why: "a page querying the database directly",
    path: "app/(dashboard)/[orgSlug]/fixture/page.tsx",
    code: `import { db } from "@/lib/db/client";\nexport const x = db;\n`,
  },
  {
    why: "a page calling a mutation module instead of an action",
    path: "app/(dashboard)/[orgSlug]/fixture/page.tsx",
    code: `import { revokeToken } from "@/lib/db/token-mutations";\nexport const x = revokeToken;\n`,
  },
];

const ALLOWED: (Fixture & { why: string })[] = [
  {
    why: "a component importing database types",
    path: "components/tokens/fixture.tsx",
    code: `import type { TokenDetail } from "@/lib/db/token-dto";\nexport type X = TokenDetail;\n`,
  },
  {
    why: "a page reading through a query module",
    path: "app/(dashboard)/[orgSlug]/fixture/page.tsx",
    code: `import { listTokens } from "@/lib/db/queries/tokens";\nexport const x = listTokens;\n`,
  },
  {
    why: "a page using the domain",
    path: "app/(dashboard)/[orgSlug]/fixture/page.tsx",
    code: `import { displayStatus } from "@/lib/domain/tokens/status";\nexport const x = displayStatus;\n`,
  },
  {
    why: "the domain importing pure lib code",
    path: "lib/domain/tokens/fixture.ts",
    code: `import { scopesCovered } from "../../tokens/scopes";\nexport const x = scopesCovered;\n`,
  },
  {
    why: "the domain reading the endpoint table (route → scope, cost: data)",
    path: "lib/domain/usage/fixture.ts",
    code: `import { ENDPOINTS } from "../../api/endpoints";\nexport const x = ENDPOINTS;\n`,
  },
  {
    why: "lib/db importing the client",
    path: "lib/db/queries/fixture.ts",
    code: `import { db } from "../client";\nexport const x = db;\n`,
  },
];

describe("import boundaries (eslint.config.mjs)", () => {
  let eslint: ESLint;
  beforeAll(async () => {
    eslint = new ESLint({ cwd: root });
    // The first lint loads the whole config and its plugins (seconds on a busy machine): do it
    // here, with room, so each case below measures only its own fixture.
    await eslint.lintText("export {};\n", { filePath: `${root}lib/domain/warm-up.ts` });
  }, 120_000);

  const boundaryErrors = async ({ path, code }: Fixture) => {
    const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
    return result.messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
  };

  it.each(VIOLATIONS)("refuses $why", async (fixture) => {
    expect(await boundaryErrors(fixture)).toHaveLength(1);
  });

  it.each(ALLOWED)("allows $why", async (fixture) => {
    expect(await boundaryErrors(fixture)).toEqual([]);
  });
});
