// Generates both Prisma clients (SQLite and PostgreSQL). Runs at `npm install`.
// The schema engine binary cannot be downloaded here and generate does not need it.
import { execFileSync } from "node:child_process";

import { POSTGRES_SCHEMA, SQLITE_SCHEMA } from "./lib/schema-variants";

for (const schema of [SQLITE_SCHEMA, POSTGRES_SCHEMA]) {
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "generate", "--schema", schema], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: "/dev/null", PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
  });
}
console.log("generated Prisma clients for SQLite and PostgreSQL");
