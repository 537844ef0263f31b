// How deeply caller input may nest. No Keyward body or action input needs more than a few
// levels; thousands of levels overflow the stack of any recursive walk (JSON.stringify, zod,
// React's decoding) and turn a request into a 500. So input deeper than this is refused where it
// comes in, before anything walks it. The rule is written once, in two forms that agree (see the
// test): over raw JSON text, before JSON.parse allocates one object per level, and over values
// already decoded (server action input).

import { shownFieldName } from "./text";

export const MAX_JSON_DEPTH = 32;

export const JSON_TOO_DEEP_MESSAGE = "JSON nested too deeply.";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether JSON text nests at most `max` arrays/objects deep. One pass over the bytes, no
 * allocation, and it stops at the first level too many. Brackets inside strings do not count.
 * UTF-8 is safe to scan bytewise: every byte of a multi-byte character is >= 0x80. Text that is
 * not JSON may pass; JSON.parse refuses it afterwards.
 */
export function jsonTextWithinDepth(json: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const byte = json[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > max) return false;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return true;
}

/**
 * Whether a decoded value nests at most `max` arrays/objects deep (a scalar is 0, `[]` is 1),
 * counted as its JSON text would be. Iterative, so any depth is safe to check. Decoded server
 * action input can share or even cycle objects (React's references): a container is walked again
 * only when reached deeper than before, so the walk ends (a cycle soon exceeds `max`) and costs
 * at most `max` visits per container.
 */
export function valueWithinDepth(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== "object") return true;
  const deepestSeen = new Map<object, number>();
  const pending: [object, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [container, depth] = pending.pop()!;
    if (depth > max) return false;
    if ((deepestSeen.get(container) ?? 0) >= depth) continue;
    deepestSeen.set(container, depth);
    for (const inner of Array.isArray(container) ? container : Object.values(container)) {
      if (inner !== null && typeof inner === "object") pending.push([inner, depth + 1]);
    }
  }
  return true;
}

/** The fields of an input object nested too deeply, the object itself counting as one level (as a JSON body's does). */
export function fieldsNestedTooDeeply(input: Record<string, unknown>): string[] {
  return Object.keys(input)
    .filter((key) => !valueWithinDepth(input[key], MAX_JSON_DEPTH - 1))
    .map(shownFieldName);
}
