import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// Webhook events are enqueued by createAuditEvent in the transaction of the change it records
// (lib/db/audit.ts): an audit row written any other way would be a change no webhook hears of.

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" || entry.name === "node_modules" ? [] : sources(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.includes(".test.") ? [path] : [];
  });
}

describe("audit rows", () => {
  it("are written only through lib/db/audit.ts (which enqueues their webhook events), apart from the demo seed", () => {
    const root = process.cwd();
    const writers = ["lib", "app", "scripts"]
      .flatMap((dir) => sources(join(root, dir)))
      .filter((file) => /auditEvent\s*\.\s*(create|createMany|upsert)\s*\(/.test(readFileSync(file, "utf8")))
      .map((file) => relative(root, file))
      .sort();
    expect(writers).toEqual(["lib/db/audit.ts", "lib/db/seed.ts"]);
  });
});
