import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { hasInvisible, showInvisible, showInvisibleDeep } from "./visible-text";

// Characters that hide or reorder text, mixed into ordinary ones, so the properties see them often.
const TRICKY = [
  "\u202E",
  "\u202D",
  "\u2066",
  "\u200B",
  "\u200D",
  "\uFEFF",
  "\u0000",
  "\n",
  "\r",
  "\u001B",
  "\u2028",
  "\uD800",
  "\\",
  "u",
  "\u{E0001}",
  "é",
  "👩‍💻",
];
const text = fc
  .array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: "binary", maxLength: 4 })), { maxLength: 20 })
  .map((parts) => parts.join(""));

/** The inverse of showInvisible, to prove nothing is lost or confused. */
function unescape(shown: string): string {
  return shown.replace(/\\(\\|u\{([0-9A-F]+)\}|u([0-9A-F]{4}))/g, (_match, _all, long: string | undefined, short: string | undefined) =>
    (long ?? short) ? String.fromCodePoint(parseInt((long ?? short)!, 16)) : "\\",
  );
}

describe("showInvisible", () => {
  it("leaves nothing invisible or reordering in what it shows", () => {
    fc.assert(
      fc.property(text, (input) => !hasInvisible(showInvisible(input))),
      { numRuns: 2000 },
    );
  });

  it("is reversible, so two different names never look the same", () => {
    fc.assert(
      fc.property(text, (input) => unescape(showInvisible(input)) === input),
      { numRuns: 2000 },
    );
  });

  it("keeps ordinary text as it is", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme-ascii" }).filter((s) => !/[\p{Cc}\\]/u.test(s)),
        (input) => showInvisible(input) === input,
      ),
    );
    expect(showInvisible("CI token — prod ✓")).toBe("CI token — prod ✓");
  });

  it("shows a right-to-left override and a typed look-alike differently", () => {
    expect(showInvisible("invoice\u202Egnp.exe")).toBe("invoice\\u202Egnp.exe");
    expect(showInvisible("invoice\\u202Egnp.exe")).toBe("invoice\\\\u202Egnp.exe");
  });

  it("reaches strings at any depth of audit metadata, keys included", () => {
    expect(showInvisibleDeep({ changes: { name: { before: "a\u200Bb", after: ["\u0007"] } }, "k\u202E": 1 })).toEqual({
      changes: { name: { before: "a\\u200Bb", after: ["\\u0007"] } },
      "k\\u202E": 1,
    });
  });
});
