import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
// `*.pg.test.ts` need PostgreSQL (several servers on one database): they run in the PostgreSQL
// pass only, rather than showing up as skipped in the SQLite one.
const onPostgres = (process.env.DATABASE_URL ?? "").startsWith("postgres");

export default defineConfig({
  resolve: {
    alias: {
      "@": root,
      // Next.js resolves this to an empty module on the server; so do the tests.
      "server-only": fileURLToPath(new URL("./tests/support/empty-module.ts", import.meta.url)),
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["lib/**/*.test.ts", "components/**/*.test.{ts,tsx}"], environment: "node" },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          exclude: onPostgres ? [] : ["tests/integration/**/*.pg.test.ts"],
          environment: "node",
          // next-auth imports "next/server" without an extension, which only a bundler resolves.
          server: { deps: { inline: ["next-auth", "@auth/core"] } },
          globalSetup: ["tests/support/integration-global-setup.ts"],
          setupFiles: ["tests/support/integration-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
