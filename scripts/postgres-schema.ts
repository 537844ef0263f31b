// Regenerates prisma/postgres/schema.prisma from prisma/schema.prisma.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

import { POSTGRES_SCHEMA, postgresSchemaFrom, SQLITE_SCHEMA } from "./lib/schema-variants";

const next = postgresSchemaFrom(readFileSync(SQLITE_SCHEMA, "utf8"));
mkdirSync(dirname(POSTGRES_SCHEMA), { recursive: true });
writeFileSync(POSTGRES_SCHEMA, next);
console.log(`wrote ${POSTGRES_SCHEMA}`);
