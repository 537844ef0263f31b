import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

// Everything a production build depends on; a change to any of these triggers a rebuild.
const BUILD_INPUTS = [
  "app",
  "components",
  "lib",
  "public",
  "package.json",
  "next.config.ts",
  "tsconfig.json",
  "postcss.config.mjs",
  "prisma/schema.prisma",
];
const SKIP = new Set(["node_modules", "generated"]);

function* files(path: string): Generator<string> {
  if (!existsSync(path)) return;
  if (statSync(path).isFile()) {
    yield path;
    return;
  }
  for (const entry of readdirSync(path).sort()) {
    if (SKIP.has(entry) || entry.endsWith(".test.ts")) continue;
    yield* files(join(path, entry));
  }
}

export function sourceFingerprint(dir: string): string {
  const hash = createHash("sha256");
  for (const input of BUILD_INPUTS) {
    for (const file of files(join(dir, input))) {
      hash.update(relative(dir, file)).update("\0").update(readFileSync(file)).update("\0");
    }
  }
  return hash.digest("hex");
}

/** Runs `next build` unless the last build was made from the same sources. */
export function buildIfNeeded(dir: string, log: (line: string) => void): void {
  const fingerprint = sourceFingerprint(dir);
  const distDir = join(dir, process.env.KEYWARD_DIST_DIR || ".next");
  const fingerprintPath = join(distDir, "keyward-build-fingerprint");
  if (existsSync(fingerprintPath) && readFileSync(fingerprintPath, "utf8") === fingerprint && existsSync(join(distDir, "BUILD_ID"))) {
    return;
  }
  log("Building the dashboard (first start or changed sources; takes a minute or two)…");
  // next build adds its distDir's types to tsconfig.json; test builds use other distDirs, so put it back.
  const tsconfigPath = join(dir, "tsconfig.json");
  const tsconfig = readFileSync(tsconfigPath, "utf8");
  const result = spawnSync(process.execPath, [join(dir, "node_modules/next/dist/bin/next"), "build"], {
    cwd: dir,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
  });
  writeFileSync(tsconfigPath, tsconfig);
  if (result.status !== 0) throw new BuildError("next build failed (see the output above)");
  writeFileSync(fingerprintPath, fingerprint);
}

export class BuildError extends Error {}
