import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { isStorableDeep, truncateText, unstorableFields } from "./text";

describe("storable text", () => {
  it("finds a lone surrogate or a NUL at any depth, in keys too", () => {
    expect(isStorableDeep({ a: ["ok", { b: "x\uD800" }] })).toBe(false);
    expect(isStorableDeep({ ["k\uDC00"]: 1 })).toBe(false);
    expect(isStorableDeep({ a: ["ok 👩‍💻", { b: 1, c: null }] })).toBe(true);
    expect(isStorableDeep(["a\u0000b"])).toBe(false);
    expect(unstorableFields({ name: "a\uD800", scopes: ["ok"], note: ["\uDFFF"], ["k\u0000"]: "v", ok: "x" })).toEqual([
      "name",
      "note",
      "k\uFFFD",
    ]);
  });

  it("never cuts a surrogate pair in two", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 60 }), fc.nat(80), (text, max) => {
        const cut = truncateText(text, max);
        return cut.isWellFormed() && cut.length <= max && text.startsWith(cut) && cut.length >= Math.min(text.length, max) - 1;
      }),
      { numRuns: 1000 },
    );
  });
});
