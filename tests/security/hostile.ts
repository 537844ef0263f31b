import fc from "fast-check";

// Hostile input for property tests: what an attacker types into any field of any form or body.

export const HOSTILE_STRINGS = [
  "",
  " ",
  "' OR 1=1 --",
  '"; DROP TABLE "ApiToken"; --',
  "../../../../etc/passwd",
  "%2e%2e%2f%2e%2e%2f",
  "<script>alert(1)</script>",
  "javascript:alert(1)",
  "{{7*7}}${7*7}",
  "__proto__",
  "constructor",
  "\u0000",
  "a\u0000b",
  "\r\nSet-Cookie: x=1",
  "\u202Egnp.exe",
  "\u200B\u200D\uFEFF",
  "\uD800",
  "👩‍💻🔑",
  "Ａｄｍｉｎ",
  "NaN",
  "-1",
  "1e309",
  "9".repeat(400),
  "00000000-0000-0000-0000-000000000000",
  "kw_" + "A".repeat(36),
  "x".repeat(70_000),
];

export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 200 }) },
);

/** Any JSON-like value a crafted request can carry, hostile strings included. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(hostileString, tie("value"), { maxKeys: 4 }),
  ),
})).value;

/**
 * The valid input of a call with some of its fields replaced by hostile values, and sometimes a
 * hostile extra field: hostile values reach every field's own validation, not just the first.
 */
export function mutatedInput(valid: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(valid);
  return fc
    .record({
      replace: keys.length ? fc.subarray(keys, { minLength: 1 }) : fc.constant([] as string[]),
      values: fc.array(hostileValue, { minLength: keys.length, maxLength: keys.length }),
      extra: fc.option(fc.tuple(hostileString, hostileValue), { freq: 4 }),
    })
    .map(({ replace, values, extra }) => {
      const input: Record<string, unknown> = { ...valid };
      replace.forEach((key) => (input[key] = values[keys.indexOf(key)]));
      if (extra) input[extra[0]] = extra[1];
      return input;
    });
}

/** A stack trace or an internal error leaking into an answer. */
export const LEAK_PATTERN = /\bat [\w.<>]+ \(|node_modules|\.ts:\d+|Prisma|SQLITE_|PrismaClient|TypeError|ReferenceError/;

/**
 * JSON text of `bytes` bytes nesting arrays (`[[[…]]]`) or objects (`{"a":{"a":…1}}`) as deep as
 * that allows: thousands of levels, where anything walking it recursively overflows the stack.
 */
export function deeplyNestedJson(kind: "arrays" | "objects", bytes: number): string {
  if (kind === "arrays") {
    const depth = Math.floor(bytes / 2);
    return "[".repeat(depth) + "]".repeat(depth);
  }
  const depth = Math.floor((bytes - 1) / 6);
  return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** The same as a decoded value (what a server action receives), built without recursion. */
export function deeplyNestedValue(kind: "arrays" | "objects", depth: number): unknown {
  let value: unknown = kind === "arrays" ? [] : 1;
  for (let level = kind === "arrays" ? 1 : 0; level < depth; level++) value = kind === "arrays" ? [value] : { a: value };
  return value;
}
