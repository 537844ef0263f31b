import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";
import { defineConfig, globalIgnores } from "eslint/config";

// Import boundaries between the rooms of ARCHITECTURE.md; lib/import-boundaries.test.ts proves each
// one fails the lint. Patterns match both the "@/lib/…" alias and relative paths.
const IMPORT_PATH = (path) => `^(@/|(\\.\\./)+)${path}`;

/** Prisma and the generated clients: only lib/db talks to the database. */
const PRISMA = { regex: "^@prisma/", message: "Only lib/db talks to Prisma." };

const BOUNDARIES = [
  {
    // Components run in the browser too, and take data as props: types from lib/db, never values.
    files: ["components/**"],
    patterns: [
      {
        regex: `${IMPORT_PATH("lib/db")}(/|$)`,
        allowTypeImports: true,
        message: "Components never import database code as values: take the data as props (import type is fine).",
      },
      { ...PRISMA, allowTypeImports: true },
    ],
  },
  {
    // The product's rules, framework-free: unit-testable without a database, a request or React.
    files: ["lib/domain/**"],
    patterns: [
      { regex: "^(next|react|react-dom|next-auth)(/|$)", message: "lib/domain is framework-free: no Next.js or React." },
      { regex: "^server-only$", message: "lib/domain is plain TypeScript, usable anywhere." },
      PRISMA,
      {
        regex: `(${IMPORT_PATH("lib/")}|^(\\.\\./)+)(db|api(?!/endpoints$)|auth|actions)(/|$)`,
        message:
          "lib/domain depends on nothing above it (lib/db, lib/api, lib/auth, lib/actions; only the endpoint table, lib/api/endpoints, is data it may read): they call the domain, not the reverse.",
      },
    ],
  },
  {
    // Pages and route handlers are thin: data comes from named query modules, changes from actions.
    files: ["app/**"],
    patterns: [
      {
        regex: `${IMPORT_PATH("lib/db")}(/(?!queries(/|$)).*)?$`,
        allowTypeImports: true,
        message:
          "app/ reaches data through lib/db/queries (reads), lib/actions (writes), lib/domain and lib/auth: add a named query there.",
      },
      { ...PRISMA, allowTypeImports: true },
    ],
  },
];

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...BOUNDARIES.map(({ files, patterns }) => ({ files, rules: { "no-restricted-imports": ["error", { patterns }] } })),
  globalIgnores([
    ".next/**",
    ".next-*/**",
    "node_modules/**",
    "lib/db/generated/**",
    "data/**",
    "test-results/**",
    "playwright-report/**",
    "next-env.d.ts",
  ]),
]);
