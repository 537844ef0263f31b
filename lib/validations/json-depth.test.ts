import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { fieldsNestedTooDeeply, jsonTextWithinDepth, MAX_JSON_DEPTH, valueWithinDepth } from "./json-depth";
import { isStorableDeep } from "./text";

const arrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const objects = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
const textOk = (json: string) => jsonTextWithinDepth(Buffer.from(json, "utf8"));

describe("JSON text depth", () => {
  it("allows exactly 32 levels and refuses 33, for arrays, objects and a mix", () => {
    expect(MAX_JSON_DEPTH).toBe(32);
    expect(textOk(arrays(32))).toBe(true);
    expect(textOk(arrays(33))).toBe(false);
    expect(textOk(objects(32))).toBe(true);
    expect(textOk(objects(33))).toBe(false);
    const mixed = (depth: number) => '[{"a":'.repeat(depth / 2) + "null" + "}]".repeat(depth / 2);
    expect(textOk(mixed(32))).toBe(true);
    expect(textOk(mixed(34))).toBe(false);
    // Depth, not the number of brackets: many siblings are fine.
    expect(textOk(JSON.stringify(Array.from({ length: 1000 }, () => [[[]]])))).toBe(true);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(textOk(JSON.stringify({ name: "[".repeat(1000) + "{".repeat(1000) }))).toBe(true);
    // An escaped quote does not end the string, so the brackets after it are still text.
    expect(textOk(`{"name":"say \\"${"[".repeat(100)}\\" ok"}`)).toBe(true);
    // An escaped backslash does end it: the brackets after the closing quote count.
    expect(textOk(`["a\\\\",${arrays(32)}]`)).toBe(false);
    expect(textOk(`["a\\\\",${arrays(31)}]`)).toBe(true);
    // Multi-byte UTF-8 never looks like a bracket or a quote.
    expect(textOk(JSON.stringify({ ['👩‍💻 ["{']: ["Ａ[", "é{"] }))).toBe(true);
  });

  it("refuses bodies at the API's size limits without parsing them", () => {
    expect(textOk(arrays(400_000))).toBe(false);
    expect(textOk(objects(20_000))).toBe(false);
  });

  it("agrees with the decoded-value form on any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 40 }), (value) => {
        expect(textOk(JSON.stringify(value))).toBe(valueWithinDepth(value));
        expect(textOk(JSON.stringify(value))).toBe(valueWithinDepth(JSON.parse(JSON.stringify(value))));
      }),
      { numRuns: 300 },
    );
    for (const depth of [1, 2, 31, 32, 33, 100]) {
      expect(valueWithinDepth(JSON.parse(arrays(depth)))).toBe(textOk(arrays(depth)));
      expect(valueWithinDepth(JSON.parse(objects(depth)))).toBe(textOk(objects(depth)));
    }
  });
});

describe("decoded value depth (server action input)", () => {
  it("checks values nested far beyond the stack without overflowing", () => {
    const deep = JSON.parse(arrays(200_000)) as unknown;
    expect(valueWithinDepth(deep)).toBe(false);
    expect(isStorableDeep(deep)).toBe(true);
    expect(isStorableDeep([JSON.parse(objects(200_000)), "a\u0000"])).toBe(false);
  });

  it("ends on cyclic and shared input", () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(valueWithinDepth(cycle)).toBe(false);
    expect(isStorableDeep(cycle)).toBe(true);
    // Shared 60 levels deep: 2^60 paths, each container visited a bounded number of times.
    let shared: unknown = "x";
    for (let level = 0; level < 60; level++) shared = { left: shared, right: shared };
    expect(valueWithinDepth(shared)).toBe(false);
    expect(isStorableDeep(shared)).toBe(true);
    // A container reached first shallow, then deeper, is judged at its deepest.
    const inner = JSON.parse(arrays(30)) as unknown;
    expect(valueWithinDepth([inner, [[inner]]])).toBe(false);
    expect(valueWithinDepth([inner, [inner]])).toBe(true);
  });

  it("names the fields nested too deeply, counting the input object as a level", () => {
    const input = {
      orgSlug: "acme",
      ok: JSON.parse(arrays(31)) as unknown,
      tooDeep: JSON.parse(arrays(32)) as unknown,
      ["k\u0000"]: JSON.parse(objects(40)) as unknown,
    };
    expect(fieldsNestedTooDeeply(input)).toEqual(["tooDeep", "k\uFFFD"]);
  });
});
